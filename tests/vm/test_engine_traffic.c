// SPDX-License-Identifier: Apache-2.0
/*
 * The engine under real traffic: UDP between two network namespaces over a
 * veth pair, the dispatcher on the receiving end. A slot that drops stops
 * packets and unplugging it lets them through; slots run in priority order
 * with their proceed-on sets, as the packets themselves show; and a stream
 * of packets loses nothing while the interface goes through 200 revisions.
 *
 * Layout: netns NS_RX holds RX_IF (10.99.0.2, the dispatcher and the
 * receiving sockets), netns NS_TX holds its peer TX_IF (10.99.0.1, the
 * sending sockets). Neighbour entries are static, so no ARP is needed.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "plugnet/log.h"
#include "traffic_count.skel.h"
#include "traffic_ports.h"
#include "traffic_seq.skel.h"
#include "testlib.h"

#define NS_RX  "pn-traffic-rx"
#define NS_TX  "pn-traffic-tx"
#define RX_IF  "trf0"
#define TX_IF  "trf1"
#define RX_IP  "10.99.0.2"
#define TX_IP  "10.99.0.1"
#define RX_MAC "02:00:0a:63:00:02"
#define TX_MAC "02:00:0a:63:00:01"

#define PASS (1U << XDP_PASS)
#define DROP (1U << XDP_DROP)

#define BURST     64    /* packets per burst in tests 1 and 2 */
#define BURST_GAP 1000  /* us between them */
#define WAIT_MS   20000 /* longest wait for packets expected to arrive */
#define QUIET_MS  500   /* how long "no more packets" is watched for */
#define RCVBUF    (8 << 20)

#define REVISIONS    200  /* plug + unplug pairs make two each */
#define STREAM_GAP   1000 /* us between stream packets */
#define STREAM_LEAD  200  /* packets received before the revisions start ... */
#define STREAM_TRAIL 200  /* ... and after they end */
#define STREAM_MAX   (1U << 20)

struct stream {
	int tx_fd, rx_fd;
	atomic_bool stop_tx, stop_rx;
	atomic_ulong sent, send_errors, received, dups, bad;
	unsigned char *seen; /* bitmap of received sequence numbers */
	pthread_t tx_thread, rx_thread;
	bool tx_running, rx_running;
};

struct fixture {
	struct tl_iface t;
	int tx_nsfd;
	int rx_fd, tx_fd;
	struct stream s;
	bool quiet; /* engine log turned down to warnings; log_level to restore */
	enum pn_log_level log_level;
};

/* --- fixture ------------------------------------------------------------------- */

static void stream_stop(struct stream *s);

static void fixture_cleanup(struct fixture *f)
{
	stream_stop(&f->s);
	if (f->quiet)
		tl_log_level(f->log_level);
	f->quiet = false;
	free(f->s.seen);
	f->s.seen = NULL;
	if (f->rx_fd >= 0)
		close(f->rx_fd);
	if (f->tx_fd >= 0)
		close(f->tx_fd);
	if (f->tx_nsfd >= 0)
		close(f->tx_nsfd);
	f->rx_fd = f->tx_fd = f->tx_nsfd = -1;
	tl_iface_teardown(&f->t); /* removes the dispatcher, NS_RX and the pin root */
	tl_netns_del(NS_TX);
}

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.t.nsfd = f.tx_nsfd = f.rx_fd = f.tx_fd = -1;
	*state = &f;
	tl_netns_del(NS_TX);
	if (tl_iface_setup(&f.t, NS_RX, RX_IF, TX_IF))
		goto err;
	if (tl_sh("ip netns add " NS_TX " && ip -n " NS_RX " link set " TX_IF " netns " NS_TX
		  " && ip -n " NS_TX " link set lo up"
		  " && ip -n " NS_RX " link set " RX_IF " address " RX_MAC " && ip -n " NS_TX
		  " link set " TX_IF " address " TX_MAC " && ip -n " NS_RX " addr add " RX_IP
		  "/24 dev " RX_IF " && ip -n " NS_TX " addr add " TX_IP "/24 dev " TX_IF
		  " && ip -n " NS_TX " link set " TX_IF " up"
		  " && ip -n " NS_RX " neigh replace " TX_IP " lladdr " TX_MAC " dev " RX_IF
		  " nud permanent"
		  " && ip -n " NS_TX " neigh replace " RX_IP " lladdr " RX_MAC " dev " TX_IF
		  " nud permanent"))
		goto err;
	f.tx_nsfd = tl_netns_open(NS_TX);
	if (f.tx_nsfd < 0)
		goto err;
	return 0;
err:
	fixture_cleanup(&f);
	return -1;
}

static int teardown(void **state)
{
	fixture_cleanup(*state);
	return 0;
}

/* Shown when a test fails: where packets went. */
static void dump_links(void)
{
	(void)tl_sh("ip -n " NS_RX " -s link show " RX_IF " >&2; ip -n " NS_TX
		    " -s link show " TX_IF " >&2");
}

/* --- sockets ------------------------------------------------------------------- */

static void sin_of(struct sockaddr_in *sin, const char *ip, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
}

struct udp_socket {
	bool receiver;
	int port;
	int fd;
};

/*
 * In the calling thread's netns: the receiver bound to RX_IP:port, or the
 * sender bound to TX_IP and connected to RX_IP:port.
 */
static int udp_socket_here(void *arg)
{
	struct udp_socket *u = arg;
	struct sockaddr_in sin;
	int one = 1, rcvbuf = RCVBUF;

	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -errno;
	if (u->receiver) {
		sin_of(&sin, RX_IP, u->port);
		if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) ||
		    setsockopt(u->fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)) ||
		    bind(u->fd, (struct sockaddr *)&sin, sizeof(sin)))
			return -errno;
		return 0;
	}
	sin_of(&sin, TX_IP, 0);
	if (bind(u->fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -errno;
	sin_of(&sin, RX_IP, u->port);
	return connect(u->fd, (struct sockaddr *)&sin, sizeof(sin)) ? -errno : 0;
}

/* A UDP socket in netns `nsfd` (see udp_socket_here); -errno on failure. */
static int ns_udp_socket(int nsfd, bool receiver, int port)
{
	struct udp_socket u = {.receiver = receiver, .port = port, .fd = -1};
	int err = tl_netns_call(nsfd, udp_socket_here, &u);

	if (err && u.fd >= 0)
		close(u.fd);
	return err ? err : u.fd;
}

static void open_sockets(struct fixture *f, int port)
{
	f->rx_fd = ns_udp_socket(f->t.nsfd, true, port);
	tl_assert_ok(f->rx_fd < 0 ? f->rx_fd : 0, "receiving socket in " NS_RX);
	f->tx_fd = ns_udp_socket(f->tx_nsfd, false, port);
	tl_assert_ok(f->tx_fd < 0 ? f->tx_fd : 0, "sending socket in " NS_TX);
}

/* Send n datagrams of 32 bytes, `gap_us` apart; returns how many were sent. */
static unsigned int send_burst(int fd, unsigned int n, unsigned int gap_us)
{
	char buf[32] = "plugnet traffic test";
	unsigned int sent = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (send(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf))
			sent++;
		usleep(gap_us);
	}
	return sent;
}

/*
 * Receive datagrams until `want` have arrived or none came for `quiet_ms`.
 * Each one's TOS byte is counted in tos[] when given. Returns the count.
 */
static unsigned int recv_until(int fd, unsigned int want, int quiet_ms, unsigned int tos[256])
{
	unsigned int got = 0;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	while (got < want && poll(&pfd, 1, quiet_ms) > 0) {
		char buf[64], cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c;

		if (recvmsg(fd, &msg, MSG_DONTWAIT) < 0)
			continue;
		got++;
		for (c = CMSG_FIRSTHDR(&msg); tos && c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
				tos[*(unsigned char *)CMSG_DATA(c)]++;
		}
	}
	return got;
}

/* --- slot programs' maps ---------------------------------------------------------- */

/* An fd of map `map_name` of the program plugged as `prog_name`; -errno if none. */
static int slot_map_fd(struct fixture *f, const char *prog_name, const char *map_name)
{
	static struct pn_iface_info info;
	int ret = -ENOENT;

	tl_assert_ok(pn_iface__describe(f->t.iface, &info), "describe");
	for (__u32 i = 0; i < info.num_slots && ret == -ENOENT; i++) {
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(pi), map_ids[8];
		int prog_fd;

		if (strcmp(info.slots[i].prog_name, prog_name))
			continue;
		prog_fd = bpf_prog_get_fd_by_id(info.slots[i].prog_id);
		if (prog_fd < 0)
			return -errno;
		pi.nr_map_ids = 8;
		pi.map_ids = (__u64)(unsigned long)map_ids;
		if (bpf_obj_get_info_by_fd(prog_fd, &pi, &len)) {
			ret = -errno;
			pi.nr_map_ids = 0;
		}
		close(prog_fd);
		for (__u32 m = 0; m < pi.nr_map_ids && m < 8 && ret == -ENOENT; m++) {
			struct bpf_map_info mi = {};
			__u32 mlen = sizeof(mi);
			int map_fd = bpf_map_get_fd_by_id(map_ids[m]);

			if (map_fd < 0)
				return -errno;
			if (!bpf_obj_get_info_by_fd(map_fd, &mi, &mlen) &&
			    !strcmp(mi.name, map_name))
				ret = map_fd;
			else
				close(map_fd);
		}
	}
	return ret;
}

static int checked_map_fd(struct fixture *f, const char *prog_name, const char *map_name)
{
	int fd = slot_map_fd(f, prog_name, map_name);

	if (fd < 0)
		fail_msg("map '%s' of slot program '%s': %s", map_name, prog_name, strerror(-fd));
	return fd;
}

static __u64 map_u64(int fd, __u32 key)
{
	__u64 v = 0;

	tl_assert_ok(bpf_map_lookup_elem(fd, &key, &v) ? -errno : 0, "map lookup");
	return v;
}

/* Wait up to WAIT_MS for map element 0 to reach `want`; returns its last value. */
static __u64 wait_count(int fd, __u64 want)
{
	__u64 v = 0;

	for (int ms = 0; ms < WAIT_MS; ms += 10) {
		v = map_u64(fd, 0);
		if (v >= want)
			break;
		usleep(10000);
	}
	return v;
}

static __u32 plug(struct fixture *f, const void *elf, size_t size, const char *name, int priority,
		  __u32 proceed_on)
{
	__u32 id = 0;

	if (tl_plug(&f->t, elf, size, name, priority, proceed_on, &id))
		fail_msg("plug '%s': %s", name, pn_last_error());
	return id;
}

static void unplug(struct fixture *f, __u32 id)
{
	if (pn_iface__unplug(f->t.iface, id))
		fail_msg("unplug %u: %s", id, pn_last_error());
}

/* --- 1: a dropping slot, plugged and unplugged --------------------------------- */

static void test_drop_slot_then_unplug(void **state)
{
	struct fixture *f = *state;
	size_t size;
	const void *elf = traffic_count__elf_bytes(&size);
	unsigned int sent, got;
	__u64 dropped;
	__u32 id;
	int map;

	open_sockets(f, TRAFFIC_DROP_PORT);
	id = plug(f, elf, size, "drop_port", 0, PASS);
	map = checked_map_fd(f, "drop_port", "counts");

	sent = send_burst(f->tx_fd, BURST, BURST_GAP);
	assert_int_equal(sent, BURST);
	/* Counted means the dispatcher has run the slot on it: its verdict is in. */
	dropped = wait_count(map, BURST);
	got = recv_until(f->rx_fd, BURST, QUIET_MS, NULL);
	close(map);
	if (dropped != BURST || got)
		dump_links();
	print_message("drop slot: sent %u, dropped by the slot %llu, received %u\n", sent,
		      (unsigned long long)dropped, got);
	assert_int_equal(dropped, BURST);
	assert_int_equal(got, 0);

	unplug(f, id);
	sent = send_burst(f->tx_fd, BURST, BURST_GAP);
	assert_int_equal(sent, BURST);
	got = recv_until(f->rx_fd, BURST, WAIT_MS, NULL);
	if (got != BURST)
		dump_links();
	print_message("unplugged: sent %u, received %u\n", sent, got);
	assert_int_equal(got, BURST);
	/* And nothing more: no duplicate of the dropped ones turns up. */
	assert_int_equal(recv_until(f->rx_fd, 1, QUIET_MS, NULL), 0);
}

/* --- 2: order and proceed-on, seen in the packets ------------------------------------ */

/* TOS trail codes, shifted in two bits at a time: seq_a 1, seq_b and seq_drop 2, seq_c 3. */
#define T_A   (1)
#define T_AD  (1 << 2 | 2)
#define T_ADC ((1 << 2 | 2) << 2 | 3)

struct seq_maps {
	int a, d, c;
};

static void seen_read(int fd, __u64 seen[256])
{
	for (__u32 k = 0; k < 256; k++)
		seen[k] = map_u64(fd, k);
}

/* The program behind `fd` ran `total` times in all, every time on a packet carrying trail `tos`. */
static void expect_seen(int fd, const char *who, __u8 tos, __u64 total)
{
	__u64 seen[256], sum = 0;

	seen_read(fd, seen);
	for (int k = 0; k < 256; k++)
		sum += seen[k];
	print_message("  %-8s ran %llu times, %llu on trail 0x%02x\n", who, (unsigned long long)sum,
		      (unsigned long long)seen[tos], tos);
	if (seen[tos] != total || sum != total)
		fail_msg("%s: ran %llu times, %llu of them after trail 0x%02x; expected %llu, all "
			 "after 0x%02x",
			 who, (unsigned long long)sum, (unsigned long long)seen[tos], tos,
			 (unsigned long long)total, tos);
}

/*
 * Send a burst, wait until the slot behind map `probe` has run `probe_total`
 * times in all, then receive; returns the packets received, their TOS in tos[].
 */
static unsigned int seq_burst(struct fixture *f, int probe, __u64 probe_total,
			      unsigned int tos[256])
{
	unsigned int sent, got;
	__u64 seen[256], sum;

	memset(tos, 0, 256 * sizeof(*tos));
	sent = send_burst(f->tx_fd, BURST, BURST_GAP);
	assert_int_equal(sent, BURST);
	for (int ms = 0;; ms += 10) {
		seen_read(probe, seen);
		sum = 0;
		for (int k = 0; k < 256; k++)
			sum += seen[k];
		if (sum >= probe_total || ms >= WAIT_MS)
			break;
		usleep(10000);
	}
	got = recv_until(f->rx_fd, BURST, QUIET_MS, tos);
	return got;
}

static void test_order_and_proceed_on(void **state)
{
	struct fixture *f = *state;
	size_t size;
	const void *elf = traffic_seq__elf_bytes(&size);
	unsigned int tos[256], got;
	struct seq_maps m;
	__u32 a, d;

	open_sockets(f, TRAFFIC_SEQ_PORT);

	/*
	 * Plugged out of order; priorities make it a, drop, c. The drop slot
	 * proceeds on DROP, so c runs after it and its PASS delivers the packet.
	 */
	plug(f, elf, size, "seq_c", 30, PASS);
	a = plug(f, elf, size, "seq_a", 10, PASS);
	d = plug(f, elf, size, "seq_drop", 20, PASS | DROP);
	m.a = checked_map_fd(f, "seq_a", "seen");
	m.d = checked_map_fd(f, "seq_drop", "seen");
	m.c = checked_map_fd(f, "seq_c", "seen");
	got = seq_burst(f, m.c, BURST, tos);
	print_message(
		"a(10) drop(20, proceed pass|drop) c(30): received %u, %u with trail 0x%02x\n", got,
		tos[T_ADC], T_ADC);
	expect_seen(m.a, "seq_a", 0, BURST);
	expect_seen(m.d, "seq_drop", T_A, BURST);
	expect_seen(m.c, "seq_c", T_AD, BURST);
	assert_int_equal(got, BURST);
	assert_int_equal(tos[T_ADC], BURST);

	/* The same drop slot proceeding on PASS only: the chain ends there, nothing arrives. */
	unplug(f, d);
	close(m.d);
	plug(f, elf, size, "seq_drop", 20, PASS);
	m.d = checked_map_fd(f, "seq_drop", "seen"); /* a new load: a fresh map */
	got = seq_burst(f, m.d, BURST, tos);
	print_message("a(10) drop(20, proceed pass) c(30): received %u\n", got);
	expect_seen(m.a, "seq_a", 0, 2 * BURST);
	expect_seen(m.d, "seq_drop", T_A, BURST);
	expect_seen(m.c, "seq_c", T_AD, BURST); /* did not move */
	assert_int_equal(got, 0);

	/* a proceeding on DROP only: its PASS ends the chain, delivering what a left. */
	unplug(f, a);
	a = plug(f, elf, size, "seq_a", 10, DROP);
	close(m.a);
	m.a = checked_map_fd(f, "seq_a", "seen");
	got = seq_burst(f, m.a, BURST, tos);
	print_message("a(10, proceed drop) drop(20) c(30): received %u, %u with trail 0x%02x\n",
		      got, tos[T_A], T_A);
	expect_seen(m.a, "seq_a", 0, BURST);
	expect_seen(m.d, "seq_drop", T_A, BURST); /* did not move */
	expect_seen(m.c, "seq_c", T_AD, BURST);   /* did not move */
	assert_int_equal(got, BURST);
	assert_int_equal(tos[T_A], BURST);

	close(m.a);
	close(m.d);
	close(m.c);
}

/* --- 3: no packet lost across revisions ----------------------------------------------- */

static void *stream_send(void *arg)
{
	struct stream *s = arg;
	struct timespec next, now;
	__u32 seq = 0;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&s->stop_tx) && seq < STREAM_MAX) {
		char buf[32] = {};

		memcpy(buf, &seq, sizeof(seq));
		if (send(s->tx_fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf)) {
			seq++;
			atomic_fetch_add(&s->sent, 1);
		} else {
			atomic_fetch_add(&s->send_errors, 1);
		}
		/* Paced, without bursts to catch up: a burst could overflow veth's ring. */
		next.tv_nsec += STREAM_GAP * 1000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec ||
		    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
			next = now;
		else
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return NULL;
}

static void *stream_recv(void *arg)
{
	struct stream *s = arg;
	struct pollfd pfd = {.fd = s->rx_fd, .events = POLLIN};

	while (!atomic_load(&s->stop_rx)) {
		char buf[64];
		ssize_t n;
		__u32 seq;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		while ((n = recv(s->rx_fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
			memcpy(&seq, buf, sizeof(seq));
			if (n != 32 || seq >= STREAM_MAX) {
				atomic_fetch_add(&s->bad, 1);
				continue;
			}
			if (s->seen[seq / 8] & (1U << (seq % 8)))
				atomic_fetch_add(&s->dups, 1);
			s->seen[seq / 8] |= (unsigned char)(1U << (seq % 8));
			atomic_fetch_add(&s->received, 1);
		}
	}
	return NULL;
}

static void stream_stop(struct stream *s)
{
	atomic_store(&s->stop_tx, true);
	if (s->tx_running)
		pthread_join(s->tx_thread, NULL);
	s->tx_running = false;
	atomic_store(&s->stop_rx, true);
	if (s->rx_running)
		pthread_join(s->rx_thread, NULL);
	s->rx_running = false;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait up to WAIT_MS for the receiver to have `want` packets. */
static unsigned long wait_received(struct stream *s, unsigned long want)
{
	unsigned long got = 0;

	for (int ms = 0; ms < WAIT_MS; ms += 10) {
		got = atomic_load(&s->received);
		if (got >= want)
			break;
		usleep(10000);
	}
	return got;
}

static void test_no_loss_across_revisions(void **state)
{
	struct fixture *f = *state;
	struct stream *s = &f->s;
	static struct pn_iface_info info;
	size_t size;
	const void *elf = traffic_count__elf_bytes(&size);
	unsigned long rx_before, rx_first = 0, rx_last, sent, received, loads0;
	__u64 rev0, counted;
	double t0, t1;
	int map;

	open_sockets(f, TRAFFIC_STREAM_PORT);
	s->tx_fd = f->tx_fd;
	s->rx_fd = f->rx_fd;
	s->seen = calloc(STREAM_MAX / 8, 1);
	assert_non_null(s->seen);

	plug(f, elf, size, "count_stream", 10, PASS);
	map = checked_map_fd(f, "count_stream", "counts");
	tl_assert_ok(pn_iface__describe(f->t.iface, &info), "describe");
	rev0 = info.revision;
	loads0 = pn_engine__prog_loads(f->t.engine);

	assert_int_equal(pthread_create(&s->rx_thread, NULL, stream_recv, s), 0);
	s->rx_running = true;
	assert_int_equal(pthread_create(&s->tx_thread, NULL, stream_send, s), 0);
	s->tx_running = true;

	/* Before: the stream is flowing through the counting slot. */
	rx_before = wait_received(s, STREAM_LEAD);
	if (rx_before < STREAM_LEAD) {
		dump_links();
		fail_msg("the stream did not start: %lu packets received, %lu sent", rx_before,
			 atomic_load(&s->sent));
	}

	/* During: plug and unplug an XDP_PASS program in front of the counter, 200 revisions. */
	f->log_level = pn_log_get_level();
	f->quiet = true;
	tl_log_level(PN_LOG_WARN); /* 200 lines of "plugged ..." would only slow the VM */
	t0 = now_s();
	for (int i = 0; i < REVISIONS / 2; i++) {
		__u32 id = plug(f, elf, size, "pass_all", 0, PASS);

		if (i == 0)
			rx_first = atomic_load(&s->received);
		unplug(f, id);
	}
	t1 = now_s();
	rx_last = atomic_load(&s->received);
	tl_log_level(f->log_level);
	f->quiet = false;

	/* After: more packets through the final revision, then stop and drain. */
	received = wait_received(s, rx_last + STREAM_TRAIL);
	atomic_store(&s->stop_tx, true);
	pthread_join(s->tx_thread, NULL);
	s->tx_running = false;
	sent = atomic_load(&s->sent);
	wait_received(s, sent);
	usleep(QUIET_MS * 1000); /* anything beyond `sent` would be a duplicate */
	atomic_store(&s->stop_rx, true);
	pthread_join(s->rx_thread, NULL);
	s->rx_running = false;
	received = atomic_load(&s->received);
	counted = map_u64(map, 0);
	close(map);

	tl_assert_ok(pn_iface__describe(f->t.iface, &info), "describe");
	print_message("stream: sent %lu, received %lu, counted by the slot %llu (send errors %lu, "
		      "duplicates %lu, malformed %lu)\n",
		      sent, received, (unsigned long long)counted, atomic_load(&s->send_errors),
		      atomic_load(&s->dups), atomic_load(&s->bad));
	print_message("revisions: %d in %.2f s, %.1f revisions/s (revision %llu -> %llu, %lu "
		      "program loads)\n",
		      REVISIONS, t1 - t0, REVISIONS / (t1 - t0), (unsigned long long)rev0,
		      (unsigned long long)info.revision,
		      pn_engine__prog_loads(f->t.engine) - loads0);
	print_message("received: %lu before the revisions, %lu at the first, %lu at the last, %lu "
		      "in all\n",
		      rx_before, rx_first, rx_last, received);
	if (received != sent || counted != sent)
		dump_links();
	assert_int_equal(info.revision, rev0 + REVISIONS);
	assert_int_equal(info.num_slots, 1);
	assert_string_equal(info.slots[0].prog_name, "count_stream");

	/* The stream ran before, during and after the revisions. */
	assert_true(rx_before >= STREAM_LEAD);
	assert_true(rx_first >= rx_before);
	if (rx_last <= rx_first)
		fail_msg("no packet arrived during the revisions (%lu at the first, %lu at the "
			 "last)",
			 rx_first, rx_last);
	if (received < rx_last + STREAM_TRAIL)
		fail_msg("only %lu packets arrived after the revisions", received - rx_last);
	/* And nothing was lost, duplicated or let past the counting slot. */
	assert_int_equal(atomic_load(&s->dups), 0);
	assert_int_equal(atomic_load(&s->bad), 0);
	if (received != sent)
		fail_msg("sent %lu packets, received %lu: %ld lost", sent, received,
			 (long)(sent - received));
	if (counted != sent)
		fail_msg("sent %lu packets, the counting slot saw %llu: %ld went past it", sent,
			 (unsigned long long)counted, (long)sent - (long)counted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drop_slot_then_unplug, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_and_proceed_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_loss_across_revisions, setup, teardown),
	};

	return cmocka_run_group_tests_name("engine_traffic", tests, NULL, NULL);
}
