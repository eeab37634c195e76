// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "testlib.h"
#include "trail.h"

int tl_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n, st;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

void tl_netns_del(const char *ns)
{
	(void)tl_sh("ip netns del %s 2>/dev/null", ns);
}

int tl_netns_veth(const char *ns, const char *a, const char *b)
{
	tl_netns_del(ns);
	if (tl_sh("ip netns add %s", ns))
		return -1;
	if (tl_sh("ip -n %s link add %s type veth peer name %s && ip -n %s link set %s up && "
		  "ip -n %s link set %s up && ip -n %s link set lo up",
		  ns, a, b, ns, a, ns, b, ns))
		return -1;
	return 0;
}

int tl_netns_open(const char *ns)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

unsigned int tl_ifindex(const char *ns, const char *ifname)
{
	unsigned int idx = 0;
	int self, target;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	target = tl_netns_open(ns);
	if (self >= 0 && target >= 0 && setns(target, CLONE_NEWNET) == 0) {
		idx = if_nametoindex(ifname);
		if (setns(self, CLONE_NEWNET))
			abort(); /* a test stuck in the wrong netns would mislead every later one */
	}
	if (target >= 0)
		close(target);
	if (self >= 0)
		close(self);
	return idx;
}

void tl_frame(unsigned char frame[TL_FRAME_SIZE])
{
	struct __attribute__((packed)) {
		struct ethhdr eth;
		struct iphdr ip;
		struct udphdr udp;
	} h = {};

	memset(h.eth.h_dest, 0x02, ETH_ALEN);
	memset(h.eth.h_source, 0x04, ETH_ALEN);
	h.eth.h_proto = htons(ETH_P_IP);
	h.ip.version = 4;
	h.ip.ihl = 5;
	h.ip.ttl = 64;
	h.ip.protocol = IPPROTO_UDP;
	h.ip.tot_len = htons(TL_FRAME_SIZE - sizeof(h.eth));
	h.ip.saddr = htonl(0x0a000001);
	h.ip.daddr = htonl(0x0a000002);
	h.udp.source = htons(4000);
	h.udp.dest = htons(5000);
	h.udp.len = htons(TL_FRAME_SIZE - sizeof(h.eth) - sizeof(h.ip));
	memset(frame, 0, TL_FRAME_SIZE);
	memcpy(frame, &h, sizeof(h));
}

int tl_xdp_run_frame(int prog_fd, unsigned char frame[TL_FRAME_SIZE], __u32 *verdict)
{
	unsigned char out[TL_FRAME_SIZE + 256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = TL_FRAME_SIZE,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*verdict = opts.retval;
	memcpy(frame, out, opts.data_size_out < TL_FRAME_SIZE ? opts.data_size_out : TL_FRAME_SIZE);
	return 0;
}

int tl_xdp_run(int prog_fd, __u32 *verdict)
{
	unsigned char frame[TL_FRAME_SIZE];

	tl_frame(frame);
	return tl_xdp_run_frame(prog_fd, frame, verdict);
}

int tl_freplace(const void *bytes, size_t size, const char *name, int target_fd, const char *func,
		struct bpf_object **objp, struct bpf_link **linkp)
{
	struct bpf_object *obj;
	struct bpf_program *prog, *p;
	struct bpf_link *link;
	int err;

	obj = bpf_object__open_mem(bytes, size, NULL);
	if (!obj)
		return -errno;
	prog = bpf_object__find_program_by_name(obj, name);
	if (!prog) {
		err = -ENOENT;
		goto err_close;
	}
	bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, p == prog);
	/* SEC("xdp") sets expected_attach_type BPF_XDP, which the kernel refuses for EXT. */
	err = bpf_program__set_type(prog, BPF_PROG_TYPE_EXT);
	if (!err)
		err = bpf_program__set_expected_attach_type(prog, 0);
	if (!err)
		err = bpf_program__set_attach_target(prog, target_fd, func);
	if (!err)
		err = bpf_object__load(obj);
	if (err)
		goto err_close;
	link = bpf_program__attach_freplace(prog, target_fd, func);
	if (!link) {
		err = -errno;
		goto err_close;
	}
	*objp = obj;
	*linkp = link;
	return 0;
err_close:
	bpf_object__close(obj);
	return err;
}

int tl_iface_setup(struct tl_iface *t, const char *ns, const char *a, const char *b)
{
	struct pn_iface_ref ref = {.netns_fd = -1};
	int err;

	memset(t, 0, sizeof(*t));
	t->nsfd = -1;
	snprintf(t->ns, sizeof(t->ns), "%s", ns);
	snprintf(t->a, sizeof(t->a), "%s", a);
	snprintf(t->b, sizeof(t->b), "%s", b);
	snprintf(t->pin_root, sizeof(t->pin_root), "/sys/fs/bpf/plugnet-test-%s", ns);
	(void)tl_sh("rm -rf %s", t->pin_root);
	if (tl_netns_veth(ns, a, b))
		return -1;
	t->nsfd = tl_netns_open(ns);
	if (t->nsfd < 0)
		return t->nsfd;
	err = pn_engine__new(t->pin_root, &t->engine);
	if (err)
		return err;
	ref.netns_fd = t->nsfd;
	ref.ifname = a;
	err = pn_engine__install(t->engine, &ref, PN_XDP_MODE_AUTO, &t->iface);
	if (err)
		fprintf(stderr, "tl_iface_setup: %s\n", pn_engine__last_error(t->engine));
	return err;
}

void tl_iface_teardown(struct tl_iface *t)
{
	if (t->iface && pn_iface__remove(t->iface))
		fprintf(stderr, "tl_iface_teardown: %s\n", pn_engine__last_error(t->engine));
	pn_engine__free(t->engine);
	if (t->nsfd >= 0)
		close(t->nsfd);
	tl_netns_del(t->ns);
	(void)tl_sh("rm -rf %s", t->pin_root);
	memset(t, 0, sizeof(*t));
	t->nsfd = -1;
}

int tl_iface_dispatcher_fd(struct tl_iface *t)
{
	static struct pn_iface_info info;
	int fd;

	if (pn_iface__describe(t->iface, &info))
		return -1;
	fd = bpf_prog_get_fd_by_id(info.dispatcher_prog_id);
	return fd < 0 ? -errno : fd;
}

int tl_plug(struct tl_iface *t, const void *elf, size_t size, const char *name, int priority,
	    __u32 proceed_on, __u32 *attach_id)
{
	struct pn_slot_spec spec = {
		.elf = elf,
		.elf_size = size,
		.prog_name = name,
		.priority = priority,
		.proceed_on = proceed_on,
	};
	int err = pn_iface__plug(t->iface, &spec, attach_id);

	if (err)
		fprintf(stderr, "tl_plug: %s\n", pn_engine__last_error(t->engine));
	return err;
}

int tl_run_trail(struct tl_iface *t, char *trail, size_t size, __u32 *verdict)
{
	unsigned char frame[TL_FRAME_SIZE];
	int fd = tl_iface_dispatcher_fd(t), err;
	size_t n;

	if (fd < 0)
		return fd;
	tl_frame(frame);
	err = tl_xdp_run_frame(fd, frame, verdict);
	close(fd);
	if (err)
		return err;
	n = frame[TRAIL_OFF] < TRAIL_MAX ? frame[TRAIL_OFF] : TRAIL_MAX;
	if (n >= size)
		n = size - 1;
	memcpy(trail, frame + TRAIL_OFF + 1, n);
	trail[n] = '\0';
	return 0;
}
