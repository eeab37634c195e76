// SPDX-License-Identifier: Apache-2.0
/*
 * crash-loop: plugnetd under SIGKILL (tests/vm/plugnetd_crash.bats).
 *
 *   crash-loop --plugnetd BIN --config FILE --log FILE [--seed N]
 *              [--requests N] [--kills N] NETNS...
 *
 * Starts plugnetd with the configuration FILE (its stderr appended to the
 * log), registers one container per named netns (/run/netns/NETNS, with
 * its eth0) as the runtime, then drives a stream of plug and unplug
 * requests from one client process per pod through the workload socket:
 * the even ones call from inside their pod (the container itself), the
 * odd ones from the host naming their container (the runtime; the
 * configuration's cni_binary must be this program). Meanwhile it SIGKILLs
 * plugnetd, once in each of --kills equal stretches of the run, at a
 * request count and a delay drawn from the seed, and starts it again.
 * The kills come in three kinds, taken in turn: right after a
 * root link changed its program (so that the kill lands between the
 * engine's change of the kernel and the state file's save), at a random
 * moment, and at a random moment followed by a second kill while the new
 * plugnetd starts (during adoption and reconciliation).
 *
 * Each client records what was acknowledged (2xx): a plug with its attach
 * id, an unplug. After every restart, and at the end, with the clients
 * paused, it checks:
 * - the state file's slots are the slots the kernel runs, read from the
 *   pins and the dispatcher's own configuration (.rodata), and the API
 *   lists the same;
 * - every object under the pin root belongs to a recorded interface and
 *   its current revision; the root link runs that revision's dispatcher;
 * - the kernel holds no plugnet object beyond those: no link, program or
 *   map that was not there before the run and is not reachable from the
 *   pins (the prog-index map, the root links and their dispatchers, the
 *   slot links and their programs, and those programs' maps);
 * - no acknowledged request is lost: an acknowledged plug is there until
 *   an unplug of it is attempted, an acknowledged unplug stays absent,
 *   and a slot no one knows of can only come from an unanswered plug.
 * At the end it unplugs everything, unregisters the containers and
 * checks that the kernel holds no new object but the pinned prog-index.
 * Exits 0 when every check passed; prints the seed, the kills and at
 * which request counts they landed, and the time taken.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <cjson/cJSON.h>

#include "dispatcher.h"
#include "testlib.h"

#define N_PODS_MAX  8
#define MAX_RECS    512
#define MAX_KILLS   64
#define LIVE_MAX    8 /* slots a client keeps at most: unplugs keep up with plugs */
#define REPLY_MAX   (1 << 20)
#define REQ_TIMEOUT 120 /* seconds: a request plugnetd does not answer by then is a failure */
/* Checks 200 ms apart: replaced revisions leave the kernel in the background. */
#define SETTLE_TRIES 75

/* --- shared between the driver and its clients ------------------------------------ */

enum rec_state {
	REC_LIVE,  /* plug acknowledged, no unplug tried since */
	REC_MAYBE, /* an unplug was sent, and not answered */
	REC_GONE,  /* unplug acknowledged (or found absent after an unanswered one) */
};

struct rec {
	__u32 attach_id;
	enum rec_state state;
};

struct client {
	atomic_int idle; /* paused, or done: nothing in flight */
	atomic_int done;
	unsigned int issued, plugs_acked, unplugs_acked, unanswered;
	/* Since the last check: a slot no one knows of may come from one of these. */
	unsigned int unanswered_plugs;
	char failure[1024];
	char dropped[1024]; /* a request left unanswered by a plugnetd no one killed */
	size_t n_recs;
	struct rec recs[MAX_RECS];
};

struct shared {
	atomic_int pause;
	atomic_uint issued; /* requests sent to plugnetd by every client */
	/*
	 * Raised before every SIGKILL, and once the killed plugnetd is reaped: a
	 * request that starts with `killed` at N may meet a plugnetd that is
	 * dying already, and only then may it end unanswered, i.e. only if
	 * `kills` is past N when it does.
	 */
	atomic_uint kills, killed;
	struct client c[N_PODS_MAX];
};

/* --- the driver ----------------------------------------------------------------------- */

struct pod {
	char netns[64];
	char netns_path[128];
	char container_id[32];
	__u64 netns_id;
	unsigned int ifindex;
	bool as_runtime;
};

enum kill_kind { KILL_AFTER_SWAP, KILL_AT_RANDOM, KILL_AND_AT_START, KILL_KINDS };

static const char *const kill_kind_names[] = {
	[KILL_AFTER_SWAP] = "right after a root link swap",
	[KILL_AT_RANDOM] = "at a random moment",
	[KILL_AND_AT_START] = "at a random moment, then again while restarting",
};

struct kill_plan {
	unsigned int at_request;
	enum kill_kind kind;
	unsigned int delay_us;       /* after the request count (or the swap) */
	unsigned int start_delay_us; /* KILL_AND_AT_START: after the restart */
	unsigned int landed_at;      /* the request count when it landed; 0: did not happen */
	bool saw_swap;
};

struct idset {
	__u32 *ids;
	size_t n, cap;
};

struct driver {
	const char *plugnetd, *config, *log;
	char workload[PATH_MAX], admin[PATH_MAX], pin_root[PATH_MAX], state_path[PATH_MAX];
	unsigned long long seed;
	unsigned int requests, n_kills, kills_done;
	struct pod pods[N_PODS_MAX];
	size_t n_pods;
	pid_t agent;
	bool died; /* plugnetd died without being killed: a failure, whatever else passes */
	pid_t clients[N_PODS_MAX];
	struct shared *sh;
	struct kill_plan kills[MAX_KILLS];
	struct idset pre_progs, pre_links, pre_maps; /* there before the run: not plugnet's */
	/* Messages of the check in progress; the last failed attempt's are printed. */
	char *why;
	size_t why_len, why_cap;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("crash-loop: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

/* A reason the current check fails. */
static void why(struct driver *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(struct driver *d, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	len = strlen(line);
	if (d->why_len + len + 3 > d->why_cap) {
		size_t cap = (d->why_cap ? d->why_cap * 2 : 4096) + len;
		char *grown = realloc(d->why, cap);

		if (!grown)
			return;
		d->why = grown;
		d->why_cap = cap;
	}
	memcpy(d->why + d->why_len, "  ", 2);
	memcpy(d->why + d->why_len + 2, line, len);
	d->why_len += len + 2;
	d->why[d->why_len++] = '\n';
	d->why[d->why_len] = '\0';
}

/* splitmix64: small, and the same sequence for the same seed everywhere. */
static __u64 rng_next(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rng_below(__u64 *s, unsigned int n)
{
	return n ? (unsigned int)(rng_next(s) % n) : 0;
}

static int idset_add(struct idset *s, __u32 id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		__u32 *grown = realloc(s->ids, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		s->ids = grown;
		s->cap = cap;
	}
	s->ids[s->n++] = id;
	return 0;
}

static bool idset_has(const struct idset *s, __u32 id)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->ids[i] == id)
			return true;
	}
	return false;
}

static void idset_free(struct idset *s)
{
	free(s->ids);
	memset(s, 0, sizeof(*s));
}

/* --- HTTP on a unix socket ------------------------------------------------------------ */

struct reply {
	int status;
	char *body;     /* NUL-terminated */
	size_t got;     /* bytes received, answered or not */
	double seconds; /* from the request to its answer, or to the end of the connection */
};

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = REQ_TIMEOUT};
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Send one request on fd (closed here) and read the whole reply. 0 only
 * for a complete reply: status line, headers, and as many bytes of body
 * as Content-Length says. Otherwise -EPIPE (the request could not be
 * sent), the recv error, -ENODATA (the connection ended before the
 * headers did), -ECONNRESET (before the body did), -EPROTO (no
 * Content-Length) or -ETIMEDOUT.
 */
static int exchange(int fd, const char *method, const char *path, const char *body, struct reply *r)
{
	size_t blen = body ? strlen(body) : 0, len = 0, cap = 65536;
	char *head, *buf = malloc(cap);
	const char *cl, *end;
	double t0 = now_s();
	int n, err = 0;
	ssize_t got;

	*r = (struct reply){};
	n = asprintf(&head,
		     "%s %s HTTP/1.1\r\nHost: plugnet\r\nConnection: close\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		     method, path, blen);
	if (n < 0 || !buf) {
		if (n >= 0)
			free(head);
		free(buf);
		close(fd);
		return -ENOMEM;
	}
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n ||
	    (blen && send(fd, body, blen, MSG_NOSIGNAL) != (ssize_t)blen))
		err = errno == EAGAIN ? -ETIMEDOUT : -EPIPE;
	free(head);
	while (!err) {
		if (len + 1 >= cap) {
			char *grown = cap >= REPLY_MAX ? NULL : realloc(buf, cap * 2);

			if (!grown) {
				err = -EFBIG;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		got = recv(fd, buf + len, cap - len - 1, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			err = errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	r->got = len;
	r->seconds = now_s() - t0;
	buf[len] = '\0';
	end = strstr(buf, "\r\n\r\n");
	if (!err && (!end || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1))
		err = -ENODATA;
	if (!err) {
		size_t want;

		/* Case-insensitively: the header's spelling is the server's. */
		cl = strcasestr(buf, "\r\ncontent-length:");
		if (!cl || cl > end || sscanf(cl + 17, "%zu", &want) != 1)
			err = -EPROTO;
		else if ((size_t)(buf + len - (end + 4)) < want)
			err = -ECONNRESET;
	}
	if (err) {
		free(buf);
		r->status = 0;
		return err;
	}
	memmove(buf, end + 4, (size_t)(buf + len - (end + 4)) + 1);
	r->body = buf;
	return 0;
}

static int http(const char *sock, const char *method, const char *path, const char *body,
		struct reply *r)
{
	int fd = sock_connect(sock);

	*r = (struct reply){};
	return fd < 0 ? fd : exchange(fd, method, path, body, r);
}

/* --- plugnetd --------------------------------------------------------------------------- */

static int agent_spawn(struct driver *d)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		int fd = open(d->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(126);
		execl(d->plugnetd, d->plugnetd, "--config", d->config, (char *)NULL);
		_exit(127);
	}
	d->agent = pid;
	return 0;
}

/* Serving once the admin socket (started last) answers a connect. */
static int agent_wait_ready(struct driver *d)
{
	double until = now_s() + 120;
	int st;

	while (now_s() < until) {
		int fd = sock_connect(d->admin);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (waitpid(d->agent, &st, WNOHANG) == d->agent) {
			say("FAIL: plugnetd (pid %d) exited (status 0x%x) while starting; see %s",
			    d->agent, st, d->log);
			d->agent = 0;
			return -ECHILD;
		}
		usleep(10000);
	}
	say("FAIL: plugnetd (pid %d) did not serve on %s within 120 s", d->agent, d->admin);
	return -ETIMEDOUT;
}

static int agent_start(struct driver *d)
{
	int err = agent_spawn(d);

	if (err) {
		say("FAIL: cannot start %s: %s", d->plugnetd, strerror(-err));
		return err;
	}
	return agent_wait_ready(d);
}

static bool agent_died(struct driver *d);

static void agent_kill(struct driver *d)
{
	int st;

	if (d->agent <= 0 || agent_died(d))
		return;
	atomic_fetch_add(&d->sh->kills, 1);
	if (kill(d->agent, SIGKILL))
		say("kill %d: %s", d->agent, strerror(errno));
	while (waitpid(d->agent, &st, 0) < 0 && errno == EINTR)
		;
	atomic_fetch_add(&d->sh->killed, 1);
	d->agent = 0;
}

/* Did plugnetd die without being killed? Says how, and forgets it. */
static bool agent_died(struct driver *d)
{
	int st;

	if (d->agent <= 0 || waitpid(d->agent, &st, WNOHANG) != d->agent)
		return false;
	if (WIFSIGNALED(st))
		say("FAIL: plugnetd (pid %d) died on its own, of signal %d (%s); see %s", d->agent,
		    WTERMSIG(st), strsignal(WTERMSIG(st)), d->log);
	else
		say("FAIL: plugnetd (pid %d) exited on its own with status %d; see %s", d->agent,
		    WEXITSTATUS(st), d->log);
	d->agent = 0;
	d->died = true;
	return true;
}

/* --- the clients -------------------------------------------------------------------------- */

static size_t live_count(const struct client *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_recs; i++)
		n += c->recs[i].state == REC_LIVE;
	return n;
}

static void client_fail(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void client_fail(struct client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->failure, sizeof(c->failure), fmt, ap);
	va_end(ap);
}

/* An unanswered request: only a SIGKILL may cut one short. */
static void unanswered(struct driver *d, struct client *c, unsigned int killed, const char *what,
		       int err, const struct reply *r)
{
	c->unanswered++;
	if (atomic_load(&d->sh->kills) == killed && !c->dropped[0])
		snprintf(c->dropped, sizeof(c->dropped),
			 "%s: %s after %.1f s (%zu bytes of answer), and plugnetd was not killed "
			 "(request %u)",
			 what, strerror(-err), r->seconds, r->got, atomic_load(&d->sh->issued));
}

static int client_plug(struct driver *d, size_t i, int fd, unsigned int killed, __u64 *rng)
{
	struct client *c = &d->sh->c[i];
	const struct pod *p = &d->pods[i];
	char body[256];
	struct reply r;
	const cJSON *attach;
	cJSON *doc;
	int err;

	snprintf(body, sizeof(body), "{\"program\": \"%s\", \"priority\": %u%s%s%s}",
		 rng_below(rng, 2) ? "drop" : "pass", rng_below(rng, 100),
		 p->as_runtime ? ", \"container_id\": \"" : "",
		 p->as_runtime ? p->container_id : "", p->as_runtime ? "\"" : "");
	c->unanswered_plugs++;
	err = exchange(fd, "POST", "/v1/slots", body, &r);
	if (err) {
		unanswered(d, c, killed, "POST /v1/slots", err, &r);
		return 0;
	}
	doc = r.status == 201 ? cJSON_Parse(r.body) : NULL;
	attach = cJSON_GetObjectItemCaseSensitive(doc, "attach_id");
	if (!cJSON_IsNumber(attach) || c->n_recs == MAX_RECS) {
		client_fail(c, "%s: POST /v1/slots %s: answered %d: %.600s", p->container_id, body,
			    r.status, r.body);
		cJSON_Delete(doc);
		free(r.body);
		return -EPROTO;
	}
	c->recs[c->n_recs++] =
		(struct rec){.attach_id = (__u32)attach->valuedouble, .state = REC_LIVE};
	c->unanswered_plugs--;
	c->plugs_acked++;
	cJSON_Delete(doc);
	free(r.body);
	return 0;
}

static int client_unplug(struct driver *d, size_t i, int fd, unsigned int killed, __u64 *rng)
{
	struct client *c = &d->sh->c[i];
	const struct pod *p = &d->pods[i];
	size_t pick = rng_below(rng, (unsigned int)live_count(c)), k;
	char path[128];
	struct reply r;
	int err;

	for (k = 0; k < c->n_recs; k++) {
		if (c->recs[k].state == REC_LIVE && !pick--)
			break;
	}
	snprintf(path, sizeof(path), "/v1/slots/%llu-%u-%u", (unsigned long long)p->netns_id,
		 p->ifindex, c->recs[k].attach_id);
	/* From now on either outcome is right, until an answer says which. */
	c->recs[k].state = REC_MAYBE;
	err = exchange(fd, "DELETE", path, NULL, &r);
	if (err) {
		unanswered(d, c, killed, path, err, &r);
		return 0;
	}
	if (r.status != 200) {
		client_fail(c, "%s: DELETE %s: answered %d: %.600s", p->container_id, path,
			    r.status, r.body);
		free(r.body);
		return -EPROTO;
	}
	c->recs[k].state = REC_GONE;
	c->unplugs_acked++;
	free(r.body);
	return 0;
}

static void client_main(struct driver *d, size_t i, unsigned int quota)
{
	struct client *c = &d->sh->c[i];
	const struct pod *p = &d->pods[i];
	__u64 rng = d->seed ^ (0x5851f42d4c957f2dULL * (i + 1));
	int err = 0;

	/* A container is recognised by its netns: this process moves into the pod's. */
	if (!p->as_runtime) {
		int ns = open(p->netns_path, O_RDONLY | O_CLOEXEC);

		if (ns < 0 || setns(ns, CLONE_NEWNET)) {
			client_fail(c, "%s: cannot enter netns %s: %s", p->container_id,
				    p->netns_path, strerror(errno));
			atomic_store(&c->done, 1);
			atomic_store(&c->idle, 1);
			_exit(1);
		}
		close(ns);
	}
	while (!err && c->issued < quota) {
		unsigned int killed;
		bool plug;
		int fd;

		if (atomic_load(&d->sh->pause)) {
			atomic_store(&c->idle, 1);
			while (atomic_load(&d->sh->pause))
				usleep(2000);
			atomic_store(&c->idle, 0);
			continue;
		}
		killed = atomic_load(&d->sh->killed);
		if (atomic_load(&d->sh->kills) != killed) {
			/* A kill is under way: a request now would only meet a dying plugnetd. */
			usleep(2000);
			continue;
		}
		plug = !live_count(c) || (live_count(c) < LIVE_MAX && rng_below(&rng, 100) < 55);
		fd = sock_connect(d->workload);
		if (fd < 0) {
			/* plugnetd is down: nothing was sent; wait for the driver to restart it. */
			usleep(20000);
			continue;
		}
		atomic_fetch_add(&d->sh->issued, 1);
		c->issued++;
		err = plug ? client_plug(d, i, fd, killed, &rng)
			   : client_unplug(d, i, fd, killed, &rng);
	}
	atomic_store(&c->done, 1);
	atomic_store(&c->idle, 1);
	_exit(err ? 1 : 0);
}

/* --- the kernel's view, from the pins and the objects themselves ------------------------- */

struct kslot {
	__u64 netns_id;
	unsigned int ifindex;
	__u32 attach_id, prog_id, link_id;
};

struct kview {
	struct kslot slots[N_PODS_MAX * PLUGNET_CONFIG_SLOTS];
	size_t n_slots;
	struct idset root_links, dispatchers, slot_links, slot_progs;
	/* Maps pinned beside an interface's root link: its identity record and counters. */
	struct idset iface_maps;
	__u32 index_map;
};

static void kview_free(struct kview *k)
{
	idset_free(&k->root_links);
	idset_free(&k->dispatchers);
	idset_free(&k->slot_links);
	idset_free(&k->slot_progs);
	idset_free(&k->iface_maps);
}

static int obj_info(int fd, void *info, __u32 size)
{
	__u32 len = size;

	memset(info, 0, size);
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static int pinned_link(const char *path, struct bpf_link_info *li)
{
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return -errno;
	err = obj_info(fd, li, sizeof(*li));
	close(fd);
	return err;
}

/* The dispatcher's configuration, read from its frozen .rodata map. */
static int dispatcher_config(int prog_fd, struct plugnet_dispatcher_config *cfg)
{
	struct bpf_prog_info info;
	__u32 map_ids[16];
	int err;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)map_ids;
	{
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
			return -errno;
	}
	for (__u32 i = 0; i < info.nr_map_ids && i < 16; i++) {
		struct bpf_map_info mi;
		int fd = bpf_map_get_fd_by_id(map_ids[i]);
		__u32 key = 0;
		size_t nl;

		if (fd < 0)
			continue;
		err = obj_info(fd, &mi, sizeof(mi));
		nl = strlen(mi.name);
		if (!err && nl >= 7 && !strcmp(mi.name + nl - 7, ".rodata") &&
		    mi.value_size == sizeof(*cfg)) {
			err = bpf_map_lookup_elem(fd, &key, cfg) ? -errno : 0;
			close(fd);
			return err;
		}
		close(fd);
	}
	return -ENOENT;
}

static const struct pod *pod_by_netns(const struct driver *d, __u64 netns_id)
{
	for (size_t i = 0; i < d->n_pods; i++) {
		if (d->pods[i].netns_id == netns_id)
			return &d->pods[i];
	}
	return NULL;
}

/* <dir>/meta or <dir>/counters: a map of plugnet's, by its name, counted as reachable. */
static void read_iface_map(struct driver *d, const char *dir, const char *pin, struct kview *k)
{
	const char *want = strcmp(pin, "meta") ? "slot_counters" : "plugnet_meta";
	char path[PATH_MAX + 512];
	struct bpf_map_info mi;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, pin);
	fd = bpf_obj_get(path);
	if (fd < 0 || obj_info(fd, &mi, sizeof(mi)) || strcmp(mi.name, want))
		why(d, "%s: not plugnet's '%s' map", path, want);
	else if (idset_add(&k->iface_maps, mi.id))
		why(d, "%s: out of memory", path);
	if (fd >= 0)
		close(fd);
}

/* One recorded interface's pins: the root link, one revision, its dispatcher and slots. */
static void read_iface(struct driver *d, const struct pod *p, struct kview *k)
{
	char dir[PATH_MAX + 64], path[PATH_MAX + 512], rev[256] = "";
	struct plugnet_dispatcher_config cfg;
	struct bpf_prog_info pi;
	struct bpf_link_info li;
	struct dirent *de;
	unsigned long long revision = 0;
	size_t n_rev = 0, n_slot_pins = 0;
	__u32 root_prog;
	DIR *dh;
	int fd, err;

	snprintf(dir, sizeof(dir), "%s/%llu/%u", d->pin_root, (unsigned long long)p->netns_id,
		 p->ifindex);
	dh = opendir(dir);
	if (!dh) {
		why(d, "%s (%s): no pins at %s: %s", p->container_id, p->netns, dir,
		    strerror(errno));
		return;
	}
	while ((de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "link"))
			continue;
		if (!strcmp(de->d_name, "meta") || !strcmp(de->d_name, "counters")) {
			read_iface_map(d, dir, de->d_name, k);
			continue;
		}
		if (sscanf(de->d_name, "rev-%llu", &revision) == 1) {
			snprintf(rev, sizeof(rev), "%s", de->d_name);
			n_rev++;
		} else {
			why(d, "%s/%s: a pin that is not plugnet's layout", dir, de->d_name);
		}
	}
	closedir(dh);
	if (n_rev != 1) {
		why(d, "%s: %zu revision directories (one at rest)", dir, n_rev);
		return;
	}
	snprintf(path, sizeof(path), "%s/link", dir);
	err = pinned_link(path, &li);
	if (err) {
		why(d, "%s: %s", path, strerror(-err));
		return;
	}
	if (li.type != BPF_LINK_TYPE_XDP || li.xdp.ifindex != p->ifindex) {
		why(d, "%s: link %u is not the XDP link of ifindex %u (type %u, ifindex %u)", path,
		    li.id, p->ifindex, li.type, li.xdp.ifindex);
		return;
	}
	root_prog = li.prog_id;
	if (idset_add(&k->root_links, li.id) || idset_add(&k->dispatchers, root_prog))
		return;
	snprintf(path, sizeof(path), "%s/%s/dispatcher", dir, rev);
	fd = bpf_obj_get(path);
	if (fd < 0 || obj_info(fd, &pi, sizeof(pi)) || dispatcher_config(fd, &cfg)) {
		why(d, "%s: cannot read the dispatcher and its configuration: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	if (pi.id != root_prog)
		why(d, "%s: the root link runs program %u, %s's dispatcher is program %u", dir,
		    root_prog, rev, pi.id);
	if (cfg.magic != PLUGNET_DISPATCHER_MAGIC || cfg.revision != revision ||
	    cfg.num_slots > PLUGNET_CONFIG_SLOTS) {
		why(d, "%s: configuration of %s: magic 0x%x, revision %llu, %u slots", dir, rev,
		    cfg.magic, (unsigned long long)cfg.revision, cfg.num_slots);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, rev);
	dh = opendir(path);
	while (dh && (de = readdir(dh))) {
		unsigned int i;
		int end = 0;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "dispatcher"))
			continue;
		if (sscanf(de->d_name, "slot-%u%n", &i, &end) != 1 || de->d_name[end] ||
		    i >= cfg.num_slots)
			why(d, "%s/%s: not one of the %u slots of %s", path, de->d_name,
			    cfg.num_slots, rev);
		else
			n_slot_pins++;
	}
	if (dh)
		closedir(dh);
	if (n_slot_pins != cfg.num_slots)
		why(d, "%s: %zu slot pins for %u slots", path, n_slot_pins, cfg.num_slots);
	for (__u32 i = 0; i < cfg.num_slots; i++) {
		char slot[PATH_MAX + 600];
		struct kslot *s = &k->slots[k->n_slots];

		snprintf(slot, sizeof(slot), "%s/slot-%u", path, i);
		err = pinned_link(slot, &li);
		if (err) {
			why(d, "%s: %s", slot, strerror(-err));
			continue;
		}
		/* 0 would mean a kernel that does not say: 6.1 does, and the check must bite. */
		if (li.type != BPF_LINK_TYPE_TRACING || li.tracing.target_obj_id != root_prog) {
			why(d,
			    "%s: link %u (type %u) is not an extension of dispatcher %u (target "
			    "%u)",
			    slot, li.id, li.type, root_prog, li.tracing.target_obj_id);
			continue;
		}
		*s = (struct kslot){.netns_id = p->netns_id,
				    .ifindex = p->ifindex,
				    .attach_id = cfg.attach_id[i],
				    .prog_id = li.prog_id,
				    .link_id = li.id};
		k->n_slots++;
		if (idset_add(&k->slot_links, li.id) || (!idset_has(&k->slot_progs, li.prog_id) &&
							 idset_add(&k->slot_progs, li.prog_id)))
			return;
	}
}

/* The pin root holds the prog-index and the recorded interfaces' directories, nothing else. */
static void read_pins(struct driver *d, struct kview *k, bool expect_ifaces)
{
	char path[PATH_MAX + 300];
	struct bpf_map_info mi;
	struct dirent *de;
	DIR *dh = opendir(d->pin_root);
	int fd;

	if (!dh) {
		why(d, "pin root %s: %s", d->pin_root, strerror(errno));
		return;
	}
	while ((de = readdir(dh))) {
		unsigned long long netns;
		const struct pod *p;
		struct dirent *sub;
		DIR *nh;
		int end = 0;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->pin_root, de->d_name);
		if (!strcmp(de->d_name, "prog-index")) {
			fd = bpf_obj_get(path);
			if (fd < 0 || obj_info(fd, &mi, sizeof(mi)) ||
			    strcmp(mi.name, "plugnet_progs"))
				why(d, "%s: not plugnet's program index", path);
			else
				k->index_map = mi.id;
			if (fd >= 0)
				close(fd);
			continue;
		}
		p = sscanf(de->d_name, "%llu%n", &netns, &end) == 1 && !de->d_name[end]
			    ? pod_by_netns(d, netns)
			    : NULL;
		if (!p || !expect_ifaces) {
			why(d, "%s: orphaned: no recorded interface is in this netns", path);
			continue;
		}
		nh = opendir(path);
		while (nh && (sub = readdir(nh))) {
			char want[16];

			snprintf(want, sizeof(want), "%u", p->ifindex);
			if (strcmp(sub->d_name, ".") && strcmp(sub->d_name, "..") &&
			    strcmp(sub->d_name, want))
				why(d, "%s/%s: orphaned: not the recorded interface (ifindex %u)",
				    path, sub->d_name, p->ifindex);
		}
		if (nh)
			closedir(nh);
	}
	closedir(dh);
	if (!k->index_map)
		why(d, "%s/prog-index: missing", d->pin_root);
	for (size_t i = 0; expect_ifaces && i < d->n_pods; i++)
		read_iface(d, &d->pods[i], k);
}

/* --- the census: every BPF object that was not there before the run -------------------- */

static int ids_now(int (*next)(__u32, __u32 *), struct idset *out)
{
	__u32 id = 0;

	while (!next(id, &id)) {
		if (idset_add(out, id))
			return -ENOMEM;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int record_preexisting(struct driver *d)
{
	int err = ids_now(bpf_prog_get_next_id, &d->pre_progs);

	if (!err)
		err = ids_now(bpf_link_get_next_id, &d->pre_links);
	if (!err)
		err = ids_now(bpf_map_get_next_id, &d->pre_maps);
	return err;
}

static const char *link_type_name(__u32 type)
{
	return type == BPF_LINK_TYPE_XDP       ? "xdp"
	       : type == BPF_LINK_TYPE_TRACING ? "tracing"
					       : "other";
}

/*
 * Links: the root links and slot links found through the pins. Programs:
 * their dispatchers and extension programs. Maps: the index, and the maps
 * of those programs. Anything else new is a leak (the prog ids a link
 * or prog of ours uses are collected on the way).
 */
static void census(struct driver *d, const struct kview *k)
{
	struct idset links = {}, progs = {}, maps = {}, prog_maps = {};
	unsigned int rcu_maps = 0;
	int err = ids_now(bpf_link_get_next_id, &links);

	if (!err)
		err = ids_now(bpf_prog_get_next_id, &progs);
	if (!err)
		err = ids_now(bpf_map_get_next_id, &maps);
	if (err) {
		why(d, "census: cannot list BPF objects: %s", strerror(-err));
		goto out;
	}
	for (size_t i = 0; i < links.n; i++) {
		struct bpf_link_info li;
		__u32 id = links.ids[i];
		int fd;

		if (idset_has(&d->pre_links, id) || idset_has(&k->root_links, id) ||
		    idset_has(&k->slot_links, id))
			continue;
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue; /* released meanwhile */
		if (!obj_info(fd, &li, sizeof(li)))
			why(d, "census: %s link %u (program %u) is not reachable from the pins",
			    link_type_name(li.type), id, li.prog_id);
		close(fd);
	}
	for (size_t i = 0; i < progs.n; i++) {
		struct bpf_prog_info pi;
		__u32 id = progs.ids[i], map_ids[16];
		bool ours;
		int fd;

		if (idset_has(&d->pre_progs, id))
			continue;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&pi, 0, sizeof(pi));
		pi.nr_map_ids = 16;
		pi.map_ids = (__u64)(unsigned long)map_ids;
		{
			__u32 len = sizeof(pi);

			if (bpf_obj_get_info_by_fd(fd, &pi, &len)) {
				close(fd);
				continue;
			}
		}
		close(fd);
		ours = idset_has(&k->dispatchers, id) || idset_has(&k->slot_progs, id);
		if (!ours) {
			why(d, "census: program %u '%s' (type %u) is not reachable from the pins",
			    id, pi.name, pi.type);
			continue;
		}
		for (__u32 m = 0; m < pi.nr_map_ids && m < 16; m++) {
			if (idset_add(&prog_maps, map_ids[m]))
				goto out;
		}
	}
	for (size_t i = 0; i < maps.n; i++) {
		struct bpf_map_info mi;
		__u32 id = maps.ids[i];
		int fd;

		if (idset_has(&d->pre_maps, id) || id == k->index_map ||
		    idset_has(&prog_maps, id) || idset_has(&k->iface_maps, id))
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		err = obj_info(fd, &mi, sizeof(mi));
		close(fd);
		/* The engine's grace-period barrier: two maps, held by a running plugnetd only. */
		if (!err && (!strcmp(mi.name, "plugnet_rcu") || !strcmp(mi.name, "plugnet_rcu_in")))
			rcu_maps++;
		else if (!err)
			why(d, "census: map %u '%s' belongs to no program reachable from the pins",
			    id, mi.name);
	}
	if (rcu_maps != (d->agent > 0 ? 2U : 0U))
		why(d,
		    "census: %u grace-period barrier maps ('plugnet_rcu', 'plugnet_rcu_in'), "
		    "with %s plugnetd running",
		    rcu_maps, d->agent > 0 ? "one" : "no");
out:
	idset_free(&links);
	idset_free(&progs);
	idset_free(&maps);
	idset_free(&prog_maps);
}

/* --- the state file and the API ---------------------------------------------------------- */

struct sslot {
	__u64 netns_id;
	unsigned int ifindex;
	__u32 attach_id;
	char container_id[64];
	bool released;
};

struct sview {
	struct sslot *slots;
	size_t n_slots;
	size_t n_containers;
};

static __u64 json_u64(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v)   ? strtoull(v->valuestring, NULL, 10)
	       : cJSON_IsNumber(v) ? (__u64)v->valuedouble
				   : 0;
}

static int read_state(struct driver *d, struct sview *s)
{
	const cJSON *reg, *containers, *slots, *it;
	cJSON *doc = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(d->state_path, "r");
	int err = 0;

	memset(s, 0, sizeof(*s));
	if (!f) {
		why(d, "state file %s: %s", d->state_path, strerror(errno));
		return -errno;
	}
	if (getdelim(&text, &len, '\0', f) < 0)
		err = -EIO;
	fclose(f);
	doc = err ? NULL : cJSON_Parse(text);
	free(text);
	reg = cJSON_GetObjectItemCaseSensitive(doc, "registry");
	containers = cJSON_GetObjectItemCaseSensitive(reg, "containers");
	slots = cJSON_GetObjectItemCaseSensitive(reg, "slots");
	if (!cJSON_IsArray(containers) || !cJSON_IsArray(slots)) {
		why(d, "state file %s: no registry.containers and registry.slots arrays",
		    d->state_path);
		cJSON_Delete(doc);
		return -EBADMSG;
	}
	s->n_containers = (size_t)cJSON_GetArraySize(containers);
	cJSON_ArrayForEach(it, containers)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "container_id");
		const struct pod *p = pod_by_netns(d, json_u64(it, "netns"));

		if (!cJSON_IsString(id) || !p || strcmp(p->container_id, id->valuestring))
			why(d, "state file: container '%s' on netns %llu is not one of ours",
			    cJSON_IsString(id) ? id->valuestring : "?",
			    (unsigned long long)json_u64(it, "netns"));
	}
	s->slots = calloc((size_t)cJSON_GetArraySize(slots) + 1, sizeof(*s->slots));
	if (!s->slots) {
		cJSON_Delete(doc);
		return -ENOMEM;
	}
	cJSON_ArrayForEach(it, slots)
	{
		struct sslot *o = &s->slots[s->n_slots++];
		const cJSON *cid = cJSON_GetObjectItemCaseSensitive(it, "container_id");

		o->netns_id = json_u64(it, "netns");
		o->ifindex = (unsigned int)json_u64(it, "ifindex");
		o->attach_id = (__u32)json_u64(it, "attach_id");
		o->released = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "released"));
		snprintf(o->container_id, sizeof(o->container_id), "%s",
			 cJSON_IsString(cid) ? cid->valuestring : "?");
	}
	cJSON_Delete(doc);
	return 0;
}

static bool sview_has(const struct sview *s, __u64 netns, unsigned int ifindex, __u32 attach,
		      bool released)
{
	for (size_t i = 0; i < s->n_slots; i++) {
		if (s->slots[i].netns_id == netns && s->slots[i].ifindex == ifindex &&
		    s->slots[i].attach_id == attach && s->slots[i].released == released)
			return true;
	}
	return false;
}

static bool kview_has(const struct kview *k, __u64 netns, unsigned int ifindex, __u32 attach)
{
	for (size_t i = 0; i < k->n_slots; i++) {
		if (k->slots[i].netns_id == netns && k->slots[i].ifindex == ifindex &&
		    k->slots[i].attach_id == attach)
			return true;
	}
	return false;
}

/* plugnetd's memory, through the admin socket, against its file. */
static void check_api(struct driver *d, const struct sview *s)
{
	struct reply r;
	const cJSON *it;
	cJSON *doc;
	size_t n = 0;
	int err = http(d->admin, "GET", "/v1/slots", NULL, &r);

	if (err || r.status != 200) {
		why(d, "GET /v1/slots: %s (status %d)", err ? strerror(-err) : "answered",
		    r.status);
		free(r.body);
		return;
	}
	doc = cJSON_Parse(r.body);
	free(r.body);
	cJSON_ArrayForEach(it, doc)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
		const cJSON *rel = cJSON_GetObjectItemCaseSensitive(it, "released_by");
		unsigned long long netns;
		unsigned int ifindex, attach;

		n++;
		if (!cJSON_IsString(id) ||
		    sscanf(id->valuestring, "%llu-%u-%u", &netns, &ifindex, &attach) != 3 ||
		    !sview_has(s, netns, ifindex, attach, rel != NULL))
			why(d, "GET /v1/slots lists %s, which the state file does not hold as such",
			    cJSON_IsString(id) ? id->valuestring : "a slot without an id");
	}
	if (!cJSON_IsArray(doc) || n != s->n_slots)
		why(d, "GET /v1/slots lists %zu slots, the state file %zu", n, s->n_slots);
	cJSON_Delete(doc);
}

/* --- the clients' records against what survived -------------------------------------------- */

static const struct rec *rec_find(const struct client *c, __u32 attach)
{
	for (size_t i = 0; i < c->n_recs; i++) {
		if (c->recs[i].attach_id == attach)
			return &c->recs[i];
	}
	return NULL;
}

static void check_clients(struct driver *d, const struct sview *s)
{
	for (size_t i = 0; i < d->n_pods; i++) {
		const struct client *c = &d->sh->c[i];
		const struct pod *p = &d->pods[i];
		size_t unknown = 0;

		for (size_t k = 0; k < c->n_recs; k++) {
			bool there =
				sview_has(s, p->netns_id, p->ifindex, c->recs[k].attach_id, false);

			if (c->recs[k].state == REC_LIVE && !there)
				why(d, "%s: acknowledged plug (attach id %u) is lost",
				    p->container_id, c->recs[k].attach_id);
			if (c->recs[k].state == REC_GONE && there)
				why(d,
				    "%s: acknowledged unplug (attach id %u) is lost: the slot is "
				    "back",
				    p->container_id, c->recs[k].attach_id);
		}
		for (size_t k = 0; k < s->n_slots; k++) {
			const struct sslot *o = &s->slots[k];

			if (o->netns_id != p->netns_id || o->ifindex != p->ifindex)
				continue;
			if (strcmp(o->container_id, p->container_id))
				why(d, "slot %u on %s's interface is owned by '%s'", o->attach_id,
				    p->container_id, o->container_id);
			else if (!rec_find(c, o->attach_id))
				unknown++;
		}
		if (unknown > c->unanswered_plugs)
			why(d, "%s: %zu slots no one knows of, from %u unanswered plugs",
			    p->container_id, unknown, c->unanswered_plugs);
	}
}

/* The check passed: what survived is what each client knows from now on. */
static void sync_clients(struct driver *d, const struct sview *s)
{
	for (size_t i = 0; i < d->n_pods; i++) {
		struct client *c = &d->sh->c[i];
		const struct pod *p = &d->pods[i];

		for (size_t k = 0; k < c->n_recs; k++) {
			bool there =
				sview_has(s, p->netns_id, p->ifindex, c->recs[k].attach_id, false);

			/* An unanswered unplug went one way or the other; attach ids are never
			 * reused. */
			if (c->recs[k].state == REC_MAYBE)
				c->recs[k].state = there ? REC_LIVE : REC_GONE;
		}
		for (size_t k = 0; k < s->n_slots && c->n_recs < MAX_RECS; k++) {
			const struct sslot *o = &s->slots[k];

			if (o->netns_id == p->netns_id && o->ifindex == p->ifindex &&
			    !rec_find(c, o->attach_id))
				c->recs[c->n_recs++] =
					(struct rec){.attach_id = o->attach_id, .state = REC_LIVE};
		}
		c->unanswered_plugs = 0;
	}
}

/* --- the check ----------------------------------------------------------------------------------
 */

static int check_once(struct driver *d, bool expect_ifaces, struct sview *s)
{
	struct kview *k = calloc(1, sizeof(*k));

	d->why_len = 0;
	if (d->why)
		d->why[0] = '\0';
	if (!k)
		return -ENOMEM;
	read_pins(d, k, expect_ifaces);
	census(d, k);
	if (expect_ifaces && !read_state(d, s)) {
		if (s->n_containers != d->n_pods)
			why(d, "state file: %zu containers, %zu registered", s->n_containers,
			    d->n_pods);
		for (size_t i = 0; i < s->n_slots; i++) {
			const struct sslot *o = &s->slots[i];
			bool in_kernel = kview_has(k, o->netns_id, o->ifindex, o->attach_id);

			if (!o->released && !in_kernel)
				why(d, "state file: slot %llu-%u-%u (%s) is not in the kernel",
				    (unsigned long long)o->netns_id, o->ifindex, o->attach_id,
				    o->container_id);
			if (o->released && in_kernel)
				why(d, "state file: slot %llu-%u-%u is released, yet in the kernel",
				    (unsigned long long)o->netns_id, o->ifindex, o->attach_id);
		}
		for (size_t i = 0; i < k->n_slots; i++) {
			const struct kslot *o = &k->slots[i];

			if (!sview_has(s, o->netns_id, o->ifindex, o->attach_id, false))
				why(d,
				    "kernel: slot %llu-%u-%u (link %u, program %u) is not in the "
				    "state file",
				    (unsigned long long)o->netns_id, o->ifindex, o->attach_id,
				    o->link_id, o->prog_id);
		}
		check_api(d, s);
		check_clients(d, s);
	}
	kview_free(k);
	free(k);
	return d->why_len ? -EAGAIN : 0;
}

/*
 * Checks, again for a while if need be: replaced revisions leave the
 * kernel one grace period after the request that replaced them.
 */
static int check(struct driver *d, const char *label, bool expect_ifaces)
{
	struct sview s = {};
	int err = -EAGAIN;

	if (agent_died(d) || d->died)
		return -EPROTO;
	for (int attempt = 0; attempt < SETTLE_TRIES; attempt++) {
		free(s.slots);
		memset(&s, 0, sizeof(s));
		err = check_once(d, expect_ifaces, &s);
		if (!err)
			break;
		usleep(200000);
	}
	if (err) {
		say("FAIL: check %s:\n%s", label, d->why ? d->why : "");
	} else {
		if (expect_ifaces)
			sync_clients(d, &s);
		say("check %s: ok (%zu slots, in the state file and the kernel alike)", label,
		    s.n_slots);
	}
	free(s.slots);
	return err;
}

/* --- the run
 * -------------------------------------------------------------------------------------- */

static int register_pods(struct driver *d)
{
	for (size_t i = 0; i < d->n_pods; i++) {
		struct pod *p = &d->pods[i];
		char body[512];
		struct reply r;
		int err;

		snprintf(body, sizeof(body),
			 "{\"container_id\": \"%s\", \"pod_namespace\": \"crash\", \"pod_name\": "
			 "\"%s\", \"netns\": \"%s\"}",
			 p->container_id, p->netns, p->netns_path);
		err = http(d->workload, "POST", "/v1/containers", body, &r);
		if (err || r.status != 201) {
			say("FAIL: registering %s (netns %s): %s %d %.600s", p->container_id,
			    p->netns, err ? strerror(-err) : "answered", r.status,
			    r.body ? r.body : "");
			free(r.body);
			return err ? err : -EPROTO;
		}
		free(r.body);
	}
	return 0;
}

static bool clients_idle(struct driver *d)
{
	for (size_t i = 0; i < d->n_pods; i++) {
		if (!atomic_load(&d->sh->c[i].idle) && !atomic_load(&d->sh->c[i].done))
			return false;
	}
	return true;
}

static bool clients_done(struct driver *d)
{
	for (size_t i = 0; i < d->n_pods; i++) {
		if (!atomic_load(&d->sh->c[i].done))
			return false;
	}
	return true;
}

static int pause_clients(struct driver *d)
{
	double until = now_s() + REQ_TIMEOUT + 30;

	atomic_store(&d->sh->pause, 1);
	while (!clients_idle(d)) {
		if (now_s() > until) {
			say("FAIL: the clients did not come to rest within %d s", REQ_TIMEOUT + 30);
			return -ETIMEDOUT;
		}
		usleep(2000);
	}
	return 0;
}

/* The root links' current programs, to see a swap happen. */
static int root_progs(struct driver *d, __u32 *progs)
{
	for (size_t i = 0; i < d->n_pods; i++) {
		char path[PATH_MAX + 64];
		struct bpf_link_info li;
		int err;

		snprintf(path, sizeof(path), "%s/%llu/%u/link", d->pin_root,
			 (unsigned long long)d->pods[i].netns_id, d->pods[i].ifindex);
		err = pinned_link(path, &li);
		if (err)
			return err;
		progs[i] = li.prog_id;
	}
	return 0;
}

/* Busy-wait (the point is to be quick) for a root link to change its program; false at the timeout.
 */
static bool wait_swap(struct driver *d)
{
	__u32 before[N_PODS_MAX], now[N_PODS_MAX];
	double until = now_s() + 30;

	if (root_progs(d, before))
		return false;
	while (now_s() < until && !clients_done(d)) {
		if (root_progs(d, now))
			return false;
		if (memcmp(before, now, d->n_pods * sizeof(__u32)))
			return true;
	}
	return false;
}

static int one_kill(struct driver *d, struct kill_plan *k, size_t n)
{
	char label[96];
	int err;

	if (k->kind == KILL_AFTER_SWAP)
		k->saw_swap = wait_swap(d);
	usleep(k->delay_us);
	k->landed_at = atomic_load(&d->sh->issued);
	agent_kill(d);
	d->kills_done++;
	err = pause_clients(d);
	if (err)
		return err;
	if (k->kind == KILL_AND_AT_START) {
		err = agent_spawn(d);
		if (err)
			return err;
		usleep(k->start_delay_us);
		agent_kill(d);
		d->kills_done++;
	}
	err = d->died ? -EPROTO : agent_start(d);
	if (err)
		return err;
	snprintf(label, sizeof(label), "after kill %zu (request %u)", n + 1, k->landed_at);
	err = check(d, label, true);
	atomic_store(&d->sh->pause, 0);
	return err;
}

static int plan_kills(struct driver *d)
{
	__u64 rng = d->seed;
	unsigned int lo = 5, hi = d->requests > 10 ? d->requests - 5 : 6;

	if (d->n_kills > MAX_KILLS || d->n_kills > hi - lo)
		return -EINVAL;
	/* One kill in each of n_kills equal stretches of the run, somewhere in it. */
	for (unsigned int i = 0; i < d->n_kills; i++) {
		unsigned int from = lo + i * (hi - lo) / d->n_kills;
		unsigned int to = lo + (i + 1) * (hi - lo) / d->n_kills;

		d->kills[i].at_request = from + rng_below(&rng, to - from);
	}
	for (unsigned int i = 0; i < d->n_kills; i++) {
		struct kill_plan *k = &d->kills[i];

		k->kind = (enum kill_kind)(i % KILL_KINDS);
		/* After a swap: at once, or up to 2 ms on (the save, the answer). */
		k->delay_us = k->kind == KILL_AFTER_SWAP
				      ? rng_below(&rng, 2) * rng_below(&rng, 2000)
				      : rng_below(&rng, 1500000);
		k->start_delay_us = rng_below(&rng, 800000);
	}
	return 0;
}

/* The runtime unplugs what is left, then unregisters the pods. */
static int wind_down(struct driver *d)
{
	struct reply r;
	const cJSON *it;
	cJSON *doc;
	int err = http(d->admin, "GET", "/v1/slots", NULL, &r);

	if (err || r.status != 200) {
		say("FAIL: GET /v1/slots: %s %d", err ? strerror(-err) : "answered", r.status);
		free(r.body);
		return -EPROTO;
	}
	doc = cJSON_Parse(r.body);
	free(r.body);
	cJSON_ArrayForEach(it, doc)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
		char path[128];
		struct reply u;

		snprintf(path, sizeof(path), "/v1/slots/%s",
			 cJSON_IsString(id) ? id->valuestring : "");
		err = http(d->workload, "DELETE", path, NULL, &u);
		if (err || u.status != 200) {
			say("FAIL: DELETE %s: %s %d %.600s", path,
			    err ? strerror(-err) : "answered", u.status, u.body ? u.body : "");
			free(u.body);
			cJSON_Delete(doc);
			return -EPROTO;
		}
		free(u.body);
		for (size_t i = 0; i < d->n_pods; i++) {
			struct client *c = &d->sh->c[i];

			for (size_t k = 0; k < c->n_recs; k++) {
				char want[128];

				snprintf(want, sizeof(want), "/v1/slots/%llu-%u-%u",
					 (unsigned long long)d->pods[i].netns_id,
					 d->pods[i].ifindex, c->recs[k].attach_id);
				if (!strcmp(want, path))
					c->recs[k].state = REC_GONE;
			}
		}
	}
	cJSON_Delete(doc);
	if (check(d, "after unplugging everything", true))
		return -EPROTO;
	for (size_t i = 0; i < d->n_pods; i++) {
		char path[128];

		snprintf(path, sizeof(path), "/v1/containers/%s", d->pods[i].container_id);
		err = http(d->workload, "DELETE", path, NULL, &r);
		if (err || r.status != 200) {
			say("FAIL: DELETE %s: %s %d", path, err ? strerror(-err) : "answered",
			    r.status);
			free(r.body);
			return -EPROTO;
		}
		free(r.body);
	}
	return check(d, "after unregistering the pods (no plugnet object but the prog-index)",
		     false);
}

/* How often reconciliation acted, from the audit log. */
static void count_reconciled(struct driver *d, unsigned int *unrecorded, unsigned int *gone)
{
	struct reply r;
	const cJSON *it;
	cJSON *doc;

	*unrecorded = *gone = 0;
	if (http(d->admin, "GET", "/v1/audit", NULL, &r) || r.status != 200) {
		free(r.body);
		return;
	}
	doc = cJSON_Parse(r.body);
	free(r.body);
	cJSON_ArrayForEach(it, doc)
	{
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "action");

		if (cJSON_IsString(a) && !strcmp(a->valuestring, "unrecorded"))
			(*unrecorded)++;
		if (cJSON_IsString(a) && !strcmp(a->valuestring, "gone"))
			(*gone)++;
	}
	cJSON_Delete(doc);
}

static int read_config(struct driver *d)
{
	static const char *const keys[] = {"workload_socket", "admin_socket", "pin_root",
					   "state_dir"};
	char *out[] = {d->workload, d->admin, d->pin_root, d->state_path};
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(d->config, "r");
	cJSON *doc;

	if (!f)
		return -errno;
	if (getdelim(&text, &len, '\0', f) < 0) {
		fclose(f);
		free(text);
		return -EIO;
	}
	fclose(f);
	doc = cJSON_Parse(text);
	free(text);
	for (size_t i = 0; i < 4; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, keys[i]);

		if (!cJSON_IsString(v)) {
			say("FAIL: config %s: key '%s' must be given", d->config, keys[i]);
			cJSON_Delete(doc);
			return -EINVAL;
		}
		snprintf(out[i], PATH_MAX, "%s%s", v->valuestring, i == 3 ? "/state.json" : "");
	}
	cJSON_Delete(doc);
	return 0;
}

static int setup_pods(struct driver *d, char **names, size_t n)
{
	if (!n || n > N_PODS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct pod *p = &d->pods[i];
		struct stat st;

		snprintf(p->netns, sizeof(p->netns), "%s", names[i]);
		snprintf(p->netns_path, sizeof(p->netns_path), "/run/netns/%s", names[i]);
		snprintf(p->container_id, sizeof(p->container_id), "crash-cid-%zu", i);
		p->as_runtime = i % 2;
		if (stat(p->netns_path, &st)) {
			say("FAIL: netns %s: %s", p->netns_path, strerror(errno));
			return -errno;
		}
		p->netns_id = st.st_ino;
		p->ifindex = tl_ifindex(names[i], "eth0");
		if (!p->ifindex) {
			say("FAIL: netns %s has no eth0", names[i]);
			return -ENODEV;
		}
	}
	d->n_pods = n;
	return 0;
}

static int run(struct driver *d)
{
	unsigned int landed = 0, unrecorded, gone;
	unsigned int plugs = 0, unplugs = 0, unanswered = 0;
	double t0 = now_s();
	int err, st;

	err = record_preexisting(d);
	if (err) {
		say("FAIL: cannot list the BPF objects there before the run: %s", strerror(-err));
		return err;
	}
	err = agent_start(d);
	if (!err)
		err = register_pods(d);
	if (!err)
		err = check(d, "after registration", true);
	if (err)
		return err;
	for (size_t i = 0; i < d->n_pods; i++) {
		unsigned int quota = d->requests / (unsigned int)d->n_pods +
				     (i < d->requests % d->n_pods ? 1 : 0);
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (!pid)
			client_main(d, i, quota);
		d->clients[i] = pid;
	}
	for (unsigned int n = 0; n < d->n_kills && !err; n++) {
		struct kill_plan *k = &d->kills[n];

		while (atomic_load(&d->sh->issued) < k->at_request && !clients_done(d) &&
		       !(err = agent_died(d) ? -EPROTO : 0))
			usleep(1000);
		if (err)
			break;
		if (clients_done(d))
			break;
		err = one_kill(d, k, n);
		if (!err)
			say("kill %u at request %u (planned at %u): %s%s, +%u us%s", n + 1,
			    k->landed_at, k->at_request, kill_kind_names[k->kind],
			    k->kind == KILL_AFTER_SWAP && !k->saw_swap ? " (no swap seen)" : "",
			    k->delay_us,
			    k->kind == KILL_AND_AT_START ? ", and 0..800 ms into the restart" : "");
		landed += !err;
	}
	/* The clients cannot end while plugnetd is gone: they wait for it. */
	while (!err && !clients_done(d) && !(err = agent_died(d) ? -EPROTO : 0))
		usleep(10000);
	for (size_t i = 0; i < d->n_pods; i++) {
		struct client *c = &d->sh->c[i];

		if (err)
			kill(d->clients[i], SIGKILL);
		while (waitpid(d->clients[i], &st, 0) < 0 && errno == EINTR)
			;
		if (c->failure[0]) {
			say("FAIL: client %zu: %s", i, c->failure);
			err = err ? err : -EPROTO;
		}
		if (c->dropped[0]) {
			say("FAIL: client %zu: %s", i, c->dropped);
			err = err ? err : -EPROTO;
		} else if (!err && (!WIFEXITED(st) || WEXITSTATUS(st))) {
			say("FAIL: client %zu ended with status 0x%x", i, st);
			err = -EPROTO;
		}
		plugs += c->plugs_acked;
		unplugs += c->unplugs_acked;
		unanswered += c->unanswered;
	}
	if (err)
		return err;
	if (landed < d->n_kills) {
		say("FAIL: only %u of %u kills landed before the requests ran out", landed,
		    d->n_kills);
		return -EPROTO;
	}
	err = check(d, "at the end", true);
	count_reconciled(d, &unrecorded, &gone);
	if (!err)
		err = wind_down(d);
	if (err)
		return err;
	if (kill(d->agent, SIGTERM) || waitpid(d->agent, &st, 0) != d->agent || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		say("FAIL: plugnetd did not stop cleanly on SIGTERM (status 0x%x)", st);
		return -EPROTO;
	}
	d->agent = 0;
	/* Stopped: what plugnetd held through its descriptors is released with them. */
	err = check(d, "after SIGTERM (no plugnet object but the prog-index)", false);
	if (err)
		return err;
	printf("crash-loop: seed %llu: %u requests (%u plugs and %u unplugs acknowledged, %u "
	       "unanswered), %u SIGKILLs (%u of them during a restart) at requests",
	       d->seed, atomic_load(&d->sh->issued), plugs, unplugs, unanswered, d->kills_done,
	       d->kills_done - landed);
	for (unsigned int n = 0; n < landed; n++)
		printf("%s %u", n ? "," : "", d->kills[n].landed_at);
	printf("; reconciliation unplugged %u unrecorded slots and dropped %u records of slots "
	       "gone; %.1f s\n",
	       unrecorded, gone, now_s() - t0);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: crash-loop --plugnetd BIN --config FILE --log FILE [--seed N] "
			"[--requests N] [--kills N] NETNS...\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"plugnetd", required_argument, NULL, 'p'},
		{"config", required_argument, NULL, 'c'},
		{"log", required_argument, NULL, 'l'},
		{"seed", required_argument, NULL, 's'},
		{"requests", required_argument, NULL, 'r'},
		{"kills", required_argument, NULL, 'k'},
		{},
	};
	struct driver d = {.requests = 200, .n_kills = 8};
	bool seeded = false;
	int o, err;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			d.plugnetd = optarg;
			break;
		case 'c':
			d.config = optarg;
			break;
		case 'l':
			d.log = optarg;
			break;
		case 's':
			d.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'r':
			d.requests = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'k':
			d.n_kills = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!d.plugnetd || !d.config || !d.log || optind >= argc) {
		usage();
		return 2;
	}
	if (!seeded)
		d.seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
	say("seed %llu (rerun with --seed %llu, or PLUGNET_CRASH_SEED=%llu for the bats test)",
	    d.seed, d.seed, d.seed);
	if (read_config(&d) || setup_pods(&d, argv + optind, (size_t)(argc - optind)))
		return 1;
	if (plan_kills(&d)) {
		say("FAIL: %u kills do not fit in %u requests", d.n_kills, d.requests);
		return 2;
	}
	d.sh = mmap(NULL, sizeof(*d.sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (d.sh == MAP_FAILED) {
		say("FAIL: mmap: %s", strerror(errno));
		return 1;
	}
	memset(d.sh, 0, sizeof(*d.sh));
	err = run(&d);
	agent_kill(&d);
	munmap(d.sh, sizeof(*d.sh));
	idset_free(&d.pre_progs);
	idset_free(&d.pre_links);
	idset_free(&d.pre_maps);
	free(d.why);
	return err ? 1 : 0;
}
