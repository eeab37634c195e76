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

int tl_xdp_run(int prog_fd, __u32 *verdict)
{
	struct __attribute__((packed)) {
		struct ethhdr eth;
		struct iphdr ip;
		struct udphdr udp;
		unsigned char payload[64 - ETH_HLEN - sizeof(struct iphdr) - sizeof(struct udphdr)];
	} pkt = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);
	int err;

	memset(pkt.eth.h_dest, 0x02, ETH_ALEN);
	memset(pkt.eth.h_source, 0x04, ETH_ALEN);
	pkt.eth.h_proto = htons(ETH_P_IP);
	pkt.ip.version = 4;
	pkt.ip.ihl = 5;
	pkt.ip.ttl = 64;
	pkt.ip.protocol = IPPROTO_UDP;
	pkt.ip.tot_len = htons(sizeof(pkt) - sizeof(pkt.eth));
	pkt.ip.saddr = htonl(0x0a000001);
	pkt.ip.daddr = htonl(0x0a000002);
	pkt.udp.source = htons(4000);
	pkt.udp.dest = htons(5000);
	pkt.udp.len = htons(sizeof(pkt) - sizeof(pkt.eth) - sizeof(pkt.ip));

	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return -errno;
	*verdict = opts.retval;
	return 0;
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
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
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
