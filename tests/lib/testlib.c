// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <fcntl.h>
#include <net/if.h>
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

#include "plugnet/netns.h"
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

int tl_netns_call(int nsfd, int (*fn)(void *arg), void *arg)
{
	const struct pn_netns ns = {.fd = nsfd};

	return pn_netns_call(&ns, fn, arg);
}

unsigned int tl_ifindex(const char *ns, const char *ifname)
{
	const struct pn_netns n = {.fd = tl_netns_open(ns)};
	unsigned int idx = 0;

	if (n.fd < 0)
		return 0;
	if (pn_netns_ifindex(&n, ifname, &idx))
		idx = 0;
	close(n.fd);
	return idx;
}

struct xdp_query {
	const char *ifname;
	struct bpf_xdp_query_opts *q;
};

static int xdp_query_here(void *arg)
{
	struct xdp_query *x = arg;
	unsigned int ifindex = if_nametoindex(x->ifname);

	if (!ifindex)
		return -ENODEV;
	return bpf_xdp_query((int)ifindex, 0, x->q) ? -errno : 0;
}

int tl_xdp_query(int nsfd, const char *ifname, struct bpf_xdp_query_opts *q)
{
	struct xdp_query x = {.ifname = ifname, .q = q};

	memset(q, 0, sizeof(*q));
	q->sz = sizeof(*q);
	return tl_netns_call(nsfd, xdp_query_here, &x);
}

double tl_ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int tl_wait_freed(int (*get)(__u32 id), __u32 id, int timeout_ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		double waited = tl_ms_since(&t0);
		int fd = get(id);

		if (fd < 0 && errno == ENOENT)
			return (int)waited;
		if (fd >= 0)
			close(fd);
		if (waited > timeout_ms)
			return -1;
		usleep(2000);
	}
}

int tl_write_file(const char *path, const void *bytes, size_t size)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fwrite(bytes, 1, size, f) != size)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tl_rev_dirs(const char *dir, char *out, size_t size)
{
	char *names[256];
	size_t n = 0, o = 0;
	struct dirent *de;
	DIR *d;

	if (out && size)
		out[0] = '\0';
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
		if (!strncmp(de->d_name, "rev-", 4))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (out && names[i] && o < size)
			o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
	return (int)n;
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
		fprintf(stderr, "tl_iface_setup: %s\n", pn_last_error());
	return err;
}

void tl_iface_teardown(struct tl_iface *t)
{
	if (t->iface && pn_iface__remove(t->iface))
		fprintf(stderr, "tl_iface_teardown: %s\n", pn_last_error());
	pn_engine__free(t->engine);
	if (t->nsfd >= 0)
		close(t->nsfd);
	tl_netns_del(t->ns);
	(void)tl_sh("rm -rf %s", t->pin_root);
	memset(t, 0, sizeof(*t));
	t->nsfd = -1;
}

int tl_dispatcher_fd(struct pn_iface *iface, __u32 *num_slots)
{
	static struct pn_iface_info info;
	int fd, err = pn_iface__describe(iface, &info);

	if (err)
		return err;
	if (num_slots)
		*num_slots = info.num_slots;
	fd = bpf_prog_get_fd_by_id(info.dispatcher_prog_id);
	return fd < 0 ? -errno : fd;
}

int tl_iface_dispatcher_fd(struct tl_iface *t)
{
	return tl_dispatcher_fd(t->iface, NULL);
}

int tl_plug_iface(struct pn_iface *iface, const void *elf, size_t size, const char *name,
		  int priority, __u32 proceed_on, __u32 *attach_id)
{
	struct pn_slot_spec spec = {
		.elf = elf,
		.elf_size = size,
		.prog_name = name,
		.priority = priority,
		.proceed_on = proceed_on,
	};

	return pn_iface__plug(iface, &spec, attach_id);
}

int tl_plug(struct tl_iface *t, const void *elf, size_t size, const char *name, int priority,
	    __u32 proceed_on, __u32 *attach_id)
{
	int err = tl_plug_iface(t->iface, elf, size, name, priority, proceed_on, attach_id);

	if (err)
		fprintf(stderr, "tl_plug: %s\n", pn_last_error());
	return err;
}

int tl_plug_all(struct tl_iface *t, const struct tl_slot *slots, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		size_t size;
		const void *elf = slots[i].elf(&size);

		err = tl_plug(t, elf, size, slots[i].name, slots[i].priority, slots[i].proceed_on,
			      NULL);
	}
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

void tl_assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

int tl_run_table_(const char *group, const void *table, size_t n, size_t size, size_t name_off,
		  CMUnitTestFunction test, CMFixtureFunction setup, CMFixtureFunction teardown,
		  CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	int ret;

	if (!tests)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *entry = (const char *)table + i * size;

		tests[i] = (struct CMUnitTest){
			.name = *(const char *const *)(entry + name_off),
			.test_func = test,
			.setup_func = setup,
			.teardown_func = teardown,
			.initial_state = (void *)entry,
		};
	}
	ret = _cmocka_run_group_tests(group, tests, n, group_setup, group_teardown);
	free(tests);
	return ret;
}

void tl_expect_trail(struct tl_iface *t, const char *trail, __u32 verdict)
{
	char got[TRAIL_MAX + 1];
	__u32 v = ~0U;

	tl_assert_ok(tl_run_trail(t, got, sizeof(got), &v), "test run");
	if (strcmp(got, trail) || v != verdict)
		fail_msg("trail \"%s\", verdict %u; expected trail \"%s\", verdict %u", got, v,
			 trail, verdict);
}

static enum pn_print_level engine_shown = PN_PRINT_INFO;

/* Tests print the engine's lines as they come; only the level decides. */
static int engine_print(enum pn_print_level level, const char *fmt, va_list ap)
{
	return level <= engine_shown ? vfprintf(stderr, fmt, ap) : 0;
}

void tl_log_level(enum pn_log_level level)
{
	pn_log_set_level(level);
	engine_shown = level >= PN_LOG_DEBUG  ? PN_PRINT_DEBUG
		       : level >= PN_LOG_INFO ? PN_PRINT_INFO
					      : PN_PRINT_WARN;
	pn_set_print(engine_print);
}

static int held_wait(void *arg)
{
	struct tl_held_grace *g = arg;

	pthread_mutex_lock(&g->lock);
	g->waiting = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->ended)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

void tl_held_grace_init(struct tl_held_grace *g, int (**wait)(void *arg))
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->waiting = g->ended = false;
	*wait = held_wait;
}

bool tl_held_grace_started(struct tl_held_grace *g)
{
	struct timespec until;
	bool started;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&g->lock);
	while (!g->waiting && pthread_cond_timedwait(&g->cond, &g->lock, &until) == 0)
		;
	started = g->waiting;
	pthread_mutex_unlock(&g->lock);
	return started;
}

void tl_held_grace_end(struct tl_held_grace *g)
{
	pthread_mutex_lock(&g->lock);
	g->ended = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

void tl_held_grace_destroy(struct tl_held_grace *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}
