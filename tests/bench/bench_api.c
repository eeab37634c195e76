// SPDX-License-Identifier: Apache-2.0
/*
 * bench_api: what plugnetd's API adds to the engine, measured side by side
 * in one run.
 *
 * 1. Plug latency. pn_iface__plug + pn_iface__unplug on the engine alone
 *    against POST /v1/slots + DELETE /v1/slots/<id> through plugnetd, on a
 *    veth each, with the same catalog object, uncached and cached. The
 *    engine's verification cache keys a program by the SHA-256 of its name
 *    and ELF bytes and drops it when its last slot is unplugged (prog_cache.h),
 *    so the same object is uncached when no other slot holds it and cached
 *    while a holder slot of it sits on a second interface. Copies of the
 *    object under other catalog names would not miss: same name, same bytes,
 *    same key. Every round checks which it was: the engine's load count for
 *    the engine; for the API, the slot's kernel program id (a new load gets a
 *    new, higher id; a cached plug the holder's). The rounds rotate through the
 *    four cases so that drift hits all alike. Measured with 2 pods registered
 *    and again with all of them.
 * 2. Request rate. GET /v1/health and GET /v1/interfaces from 1 client and
 *    from 4 concurrent clients (threads, one keep-alive connection each),
 *    with no pod registered and then with PLUGNET_BENCH_API_PODS pods (netns
 *    + veth, registered by the runtime like the CNI plugin does at ADD).
 *    Health describes every interface too, so it is the baseline. Several
 *    trials of the four, in rotating order; the medians are reported.
 *
 * The client is lib/client (libcurl on the unix socket), as the CNI plugin
 * and plugctl call plugnetd, with replies left unparsed where they are not
 * read. The bench is the runtime caller (plugnetd's cni_binary is this
 * executable) and opens a new connection for every plug and unplug, as a
 * CNI plugin process would. Built without sanitizers, like plugnetd, and linking the
 * same release library, so that both sides run the same engine code.
 *
 * Environment: PLUGNET_BUILD (build directory, default "build": plugnetd and
 * tests/progs/verdicts.bpf.o), PLUGNET_BENCH_API_REPS (plug rounds, default
 * 11), PLUGNET_BENCH_API_PODS (default 100), PLUGNET_BENCH_API_SECONDS (the
 * time one rate measurement aims at, default 2), PLUGNET_BENCH_API_TRIALS
 * (rate trials, default 5).
 *
 * Needs root and a kernel that loads freplace programs (tests/vm/vm-run).
 * Under TCG absolute times are meaningless; only the ratios count.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include "plugnet/client.h"

#include "plugnet/engine.h"
#include "plugnet/log.h"
#include "plugnet/netns.h"
#include "stats.h"

#define ENGINE_NS        "pn-bapi-e"
#define POD_NS_FMT       "pn-bapi-%u"
#define POD_HOST_FMT     "pnb%u"
#define PIN_ROOT_ENGINE  "/sys/fs/bpf/plugnet-bench-api-engine"
#define PIN_ROOT_AGENT   "/sys/fs/bpf/plugnet-bench-api-agent"
#define PROG_NAME        "xdp_pass"
#define PASS_MASK        (1U << 2) /* XDP_PASS */
#define MAX_REPS         64U
#define MAX_PODS         250U
#define CLIENTS          4U
#define MIN_REQUESTS     40U
#define MAX_REQUESTS     5000U
#define MAX_TRIALS       15U
#define AGENT_START_SECS 60

struct bench {
	char dir[64];      /* scratch: configuration, catalog, state, sockets */
	char sock[128];    /* the workload socket */
	char object[4200]; /* the catalog's pass.bpf.o */
	char plugnetd[PATH_MAX];
	pid_t agent;
	unsigned int pods, reps, trials;
	double seconds;
	struct pn_engine *engine;
	struct pn_iface *eng_iface[2]; /* [0] measured, [1] the cached case's holder */
	char pod_iface[2][48];         /* /v1/interfaces ids of pods 0 (measured) and 1 (holder) */
};

/* The four plug cases, in the order of the table. */
enum plug_case { ENG_UNCACHED, ENG_CACHED, API_UNCACHED, API_CACHED, N_CASES };
static const char *const case_names[N_CASES] = {"engine, uncached", "engine, cached",
						"API, uncached", "API, cached"};

struct plug_times {
	double plug[MAX_REPS], unplug[MAX_REPS];
};

/* Run a shell command; its output goes to stderr. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc == -1)
		return -errno;
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "bench_api: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fputs(text, f);
	if (fclose(f)) {
		fprintf(stderr, "bench_api: %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

/* --- the HTTP client: lib/client, as the CNI plugin and plugctl use it --------------------- */

/* A request that must answer `want`; the body is returned parsed when `json` is given. */
static int expect(struct pn_client *h, const char *method, const char *path, const char *body,
		  bool fresh, long want, cJSON **json)
{
	cJSON *doc = NULL;
	struct pn_reply r;
	char err[1024];
	int ret;

	if (body && !(doc = cJSON_Parse(body))) {
		fprintf(stderr, "bench_api: %s %s: the request body is not JSON: %s\n", method,
			path, body);
		return -EINVAL;
	}
	pn_client__set_fresh_connections(h, fresh);
	/* Parsed only when read: the rate loops measure plugnetd, not the client's parser. */
	pn_client__set_raw_replies(h, !json);
	ret = pn_client__request(h, method, path, doc, &r, err, sizeof(err));
	cJSON_Delete(doc);
	if (ret) {
		fprintf(stderr, "bench_api: %s\n", err);
		return ret;
	}
	if (r.status != want) {
		fprintf(stderr, "bench_api: %s %s: %ld (expected %ld): %s\n", method, path,
			r.status, want, r.body ? r.body : "");
		ret = -EPROTO;
	} else if (json) {
		*json = r.json;
		r.json = NULL;
		if (!*json) {
			fprintf(stderr, "bench_api: %s %s: the answer is not JSON: %s\n", method,
				path, r.body ? r.body : "");
			ret = -EPROTO;
		}
	}
	pn_reply__free(&r);
	return ret;
}

/* --- interfaces and the agent ------------------------------------------------------------- */

static int set_up(void *arg)
{
	const char *ifname = arg;
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		ret = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!ret && ioctl(fd, SIOCSIFFLAGS, &ifr))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The engine's netns with two veths (e0, e1), and `pods` pods made as a CNI
 * plugin makes them: eth0 in the pod's netns, its peer pnb<i> on the host.
 * One `ip -batch` for all; eth0 is brought up from inside each netns.
 */
static int make_interfaces(struct bench *b)
{
	char path[128], ns[32];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/ip.batch", b->dir);
	f = fopen(path, "w");
	if (!f) {
		ret = -errno;
		fprintf(stderr, "bench_api: %s: %s\n", path, strerror(-ret));
		return ret;
	}
	fprintf(f, "netns add %s\n", ENGINE_NS);
	for (int i = 0; i < 2; i++)
		fprintf(f, "link add e%d netns %s type veth peer name e%dp netns %s\n", i,
			ENGINE_NS, i, ENGINE_NS);
	for (unsigned int i = 0; i < b->pods; i++) {
		fprintf(f, "netns add " POD_NS_FMT "\n", i);
		fprintf(f,
			"link add " POD_HOST_FMT " type veth peer name eth0 netns " POD_NS_FMT "\n",
			i, i);
		fprintf(f, "link set " POD_HOST_FMT " up\n", i);
	}
	if (fclose(f))
		return -EIO;
	if (sh("ip -batch %s >&2", path)) {
		fprintf(stderr, "bench_api: ip -batch %s failed\n", path);
		return -EIO;
	}
	for (unsigned int i = 0; i <= b->pods; i++) {
		const char *names[] = {"eth0", NULL, NULL, NULL, NULL};
		struct pn_netns n = {.fd = -1};

		if (i == b->pods) {
			snprintf(ns, sizeof(ns), "%s", ENGINE_NS);
			names[0] = "e0";
			names[1] = "e1";
			names[2] = "e0p";
			names[3] = "e1p";
		} else {
			snprintf(ns, sizeof(ns), POD_NS_FMT, i);
		}
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		ret = pn_netns_open(path, &n);
		for (int k = 0; !ret && names[k]; k++)
			ret = pn_netns_call(&n, set_up, (void *)names[k]);
		if (!ret)
			ret = pn_netns_call(&n, set_up, "lo");
		pn_netns_close(&n);
		if (ret) {
			fprintf(stderr, "bench_api: netns %s: cannot bring its interfaces up: %s\n",
				ns, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void remove_interfaces(const struct bench *b)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ip-del.batch", b->dir);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "netns del %s\n", ENGINE_NS);
	for (unsigned int i = 0; i < b->pods; i++)
		fprintf(f, "netns del " POD_NS_FMT "\n", i);
	if (!fclose(f))
		(void)sh("ip -force -batch %s 2>/dev/null", path);
}

/* Catalog, configuration, and plugnetd itself, serving. */
static int start_agent(struct bench *b, const char *build)
{
	char path[4200], exe[PATH_MAX], conf[16384], admin[160];
	ssize_t n;
	int ret;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		ret = -errno;
		fprintf(stderr, "bench_api: /proc/self/exe: %s\n", strerror(-ret));
		return ret;
	}
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/programs", b->dir);
	if (mkdir(path, 0755)) {
		ret = -errno;
		fprintf(stderr, "bench_api: mkdir %s: %s\n", path, strerror(-ret));
		return ret;
	}
	snprintf(b->object, sizeof(b->object), "%s/programs/pass.bpf.o", b->dir);
	if (sh("cp '%s/tests/progs/verdicts.bpf.o' '%s'", build, b->object)) {
		fprintf(stderr, "bench_api: cannot copy %s/tests/progs/verdicts.bpf.o\n", build);
		return -EIO;
	}
	snprintf(path, sizeof(path), "%s/programs/pass.json", b->dir);
	ret = write_text(path, "{\"program\": \"" PROG_NAME "\"}");
	if (ret)
		return ret;
	snprintf(b->sock, sizeof(b->sock), "%s/run/plugnet.sock", b->dir);
	snprintf(admin, sizeof(admin), "%s/run/admin.sock", b->dir);
	/*
	 * The bench is the runtime (cni_binary). The sweep's period is the
	 * longest allowed: a sweep describes every interface, and under TCG one
	 * landing inside a measurement would count against the request.
	 */
	snprintf(conf, sizeof(conf),
		 "{\"workload_socket\": \"%s\", \"admin_socket\": \"%s\", \"pin_root\": \"%s\", "
		 "\"state_dir\": \"%s/state\", \"catalog_dir\": \"%s/programs\", "
		 "\"cni_binary\": \"%s\", \"limits\": {\"sweep_interval_ms\": 600000}}\n",
		 b->sock, admin, PIN_ROOT_AGENT, b->dir, b->dir, exe);
	snprintf(path, sizeof(path), "%s/plugnetd.json", b->dir);
	ret = write_text(path, conf);
	if (ret)
		return ret;
	snprintf(b->plugnetd, sizeof(b->plugnetd), "%s/plugnetd", build);
	b->agent = fork();
	if (b->agent < 0)
		return -errno;
	if (!b->agent) {
		char log[128];
		int fd;

		snprintf(log, sizeof(log), "%s/plugnetd.log", b->dir);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(126);
		execl(b->plugnetd, "plugnetd", "--config", path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < AGENT_START_SECS * 20; i++) {
		struct stat st;
		int status;

		if (!stat(admin, &st))
			return 0;
		if (waitpid(b->agent, &status, WNOHANG) == b->agent) {
			fprintf(stderr,
				"bench_api: %s exited before serving (see %s/plugnetd.log)\n",
				b->plugnetd, b->dir);
			(void)sh("cat %s/plugnetd.log >&2", b->dir);
			b->agent = 0;
			return -ECHILD;
		}
		usleep(50000);
	}
	fprintf(stderr, "bench_api: %s did not serve within %d s\n", b->plugnetd, AGENT_START_SECS);
	return -ETIMEDOUT;
}

static void stop_agent(struct bench *b)
{
	int status;

	if (b->agent <= 0)
		return;
	if (kill(b->agent, SIGTERM) || waitpid(b->agent, &status, 0) != b->agent)
		fprintf(stderr, "bench_api: cannot stop plugnetd (pid %d): %s\n", b->agent,
			strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "bench_api: plugnetd did not exit cleanly (status %d)\n", status);
	b->agent = 0;
}

/* Register pods [from, to) as the runtime does at CNI ADD; their times in t[from..to). */
static int register_pods(struct pn_client *h, unsigned int from, unsigned int to, double *t)
{
	for (unsigned int i = from; i < to; i++) {
		char body[256];
		double t0;
		int ret;

		snprintf(body, sizeof(body),
			 "{\"container_id\": \"cid-%u\", \"pod_namespace\": \"bench\", "
			 "\"pod_name\": \"pod-%u\", \"netns\": \"/run/netns/" POD_NS_FMT "\"}",
			 i, i, i);
		t0 = bench_now_ns();
		ret = expect(h, "POST", "/v1/containers", body, true, 201, NULL);
		t[i] = bench_now_ns() - t0;
		if (ret)
			return ret;
	}
	return 0;
}

/* The /v1/interfaces ids of the pod interfaces of cid-0 and cid-1. */
static int find_pod_ifaces(struct bench *b, struct pn_client *h)
{
	cJSON *list, *item;
	int found = 0;
	int ret = expect(h, "GET", "/v1/interfaces", NULL, false, 200, &list);

	if (ret)
		return ret;
	cJSON_ArrayForEach(item, list)
	{
		const char *cid = cJSON_GetStringValue(cJSON_GetObjectItem(item, "container_id"));
		const char *target = cJSON_GetStringValue(cJSON_GetObjectItem(item, "target"));
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(item, "id"));

		if (!cid || !target || !id || strcmp(target, "pod"))
			continue;
		for (int k = 0; k < 2; k++) {
			char want[16];

			snprintf(want, sizeof(want), "cid-%d", k);
			if (!strcmp(cid, want)) {
				snprintf(b->pod_iface[k], sizeof(b->pod_iface[k]), "%s", id);
				found++;
			}
		}
	}
	cJSON_Delete(list);
	if (found != 2) {
		fprintf(stderr,
			"bench_api: GET /v1/interfaces does not list pods cid-0 and cid-1\n");
		return -ENOENT;
	}
	return 0;
}

/* --- plug latency ------------------------------------------------------------------------------
 */

static int engine_plug(struct bench *b, int which, __u32 *attach_id)
{
	struct pn_slot_spec spec = {
		.elf_path = b->object,
		.prog_name = PROG_NAME,
		.proceed_on = PASS_MASK,
	};
	int ret = pn_iface__plug(b->eng_iface[which], &spec, attach_id);

	if (ret)
		fprintf(stderr, "bench_api: engine plug into e%d: %s\n", which, pn_last_error());
	return ret;
}

static int engine_unplug(struct bench *b, int which, __u32 attach_id)
{
	int ret = pn_iface__unplug(b->eng_iface[which], attach_id);

	if (ret)
		fprintf(stderr, "bench_api: engine unplug %u from e%d: %s\n", attach_id, which,
			pn_last_error());
	return ret;
}

/* One engine round: plug and unplug on e0, with a holder on e1 when `cached`. */
static int engine_round(struct bench *b, bool cached, double *plug, double *unplug)
{
	unsigned long loads;
	__u32 id, holder = 0;
	double t0, t1, t2;
	int ret = cached ? engine_plug(b, 1, &holder) : 0;

	if (ret)
		return ret;
	loads = pn_engine__prog_loads(b->engine);
	t0 = bench_now_ns();
	ret = engine_plug(b, 0, &id);
	t1 = bench_now_ns();
	if (!ret)
		ret = engine_unplug(b, 0, id);
	t2 = bench_now_ns();
	if (!ret && pn_engine__prog_loads(b->engine) - loads != (cached ? 0 : 1)) {
		fprintf(stderr, "bench_api: engine, %s: %lu program loads for one plug\n",
			cached ? "cached" : "uncached", pn_engine__prog_loads(b->engine) - loads);
		ret = -EPROTO;
	}
	if (cached && engine_unplug(b, 1, holder) && !ret)
		ret = -EIO;
	*plug = t1 - t0;
	*unplug = t2 - t1;
	return ret;
}

/* POST /v1/slots for container cid-<pod>: the slot's id. */
static int api_plug(struct pn_client *h, unsigned int pod, char *slot, size_t size)
{
	char body[128];
	cJSON *j;
	const char *id;
	int ret;

	snprintf(body, sizeof(body), "{\"program\": \"pass\", \"container_id\": \"cid-%u\"}", pod);
	ret = expect(h, "POST", "/v1/slots", body, true, 201, &j);
	if (ret)
		return ret;
	id = cJSON_GetStringValue(cJSON_GetObjectItem(j, "id"));
	if (id)
		snprintf(slot, size, "%s", id);
	else
		fprintf(stderr, "bench_api: POST /v1/slots: no slot id in the answer\n");
	cJSON_Delete(j);
	return id ? 0 : -EPROTO;
}

static int api_unplug(struct pn_client *h, const char *slot)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/slots/%s", slot);
	return expect(h, "DELETE", path, NULL, true, 200, NULL);
}

/* The kernel program id in the slot with this slot id (<netns>-<ifindex>-<attach id>). */
static int api_slot_prog(struct bench *b, struct pn_client *h, int pod, const char *slot,
			 __u32 *prog_id)
{
	const char *attach = strrchr(slot, '-');
	char path[128];
	cJSON *j, *row;
	int ret;

	snprintf(path, sizeof(path), "/v1/interfaces/%s", b->pod_iface[pod]);
	ret = expect(h, "GET", path, NULL, false, 200, &j);
	if (ret)
		return ret;
	ret = -ENOENT;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "slots"))
	{
		cJSON *a = cJSON_GetObjectItem(row, "attach_id"),
		      *p = cJSON_GetObjectItem(row, "prog_id");

		if (attach && cJSON_IsNumber(a) && cJSON_IsNumber(p) &&
		    a->valuedouble == strtod(attach + 1, NULL)) {
			*prog_id = (__u32)p->valuedouble;
			ret = 0;
		}
	}
	cJSON_Delete(j);
	if (ret)
		fprintf(stderr, "bench_api: %s has no slot %s\n", path, slot);
	return ret;
}

/*
 * One API round: plug and unplug on pod 0, with a holder on pod 1 when
 * `cached`. Whether the plug loaded a program is read from its program id:
 * a cached plug runs the holder's; an uncached one a newer program than any
 * seen before (*max_prog).
 */
static int api_round(struct bench *b, struct pn_client *h, bool cached, __u32 *max_prog,
		     double *plug, double *unplug)
{
	char slot[64], holder[64];
	__u32 prog = 0, holder_prog = 0;
	double t0;
	int ret = 0;

	if (cached) {
		ret = api_plug(h, 1, holder, sizeof(holder));
		if (!ret)
			ret = api_slot_prog(b, h, 1, holder, &holder_prog);
		if (ret)
			return ret;
	}
	t0 = bench_now_ns();
	ret = api_plug(h, 0, slot, sizeof(slot));
	*plug = bench_now_ns() - t0;
	if (ret)
		return ret;
	/* Between the two timed requests: the check is neither's. */
	ret = api_slot_prog(b, h, 0, slot, &prog);
	if (!ret && cached && prog != holder_prog) {
		fprintf(stderr, "bench_api: API, cached: the slot runs program %u, the holder %u\n",
			prog, holder_prog);
		ret = -EPROTO;
	}
	if (!ret && !cached && prog <= *max_prog) {
		fprintf(stderr,
			"bench_api: API, uncached: the slot runs program %u, not a new one (> "
			"%u)\n",
			prog, *max_prog);
		ret = -EPROTO;
	}
	*max_prog = prog > *max_prog ? prog : *max_prog;
	t0 = bench_now_ns();
	if (api_unplug(h, slot) && !ret)
		ret = -EIO;
	*unplug = bench_now_ns() - t0;
	if (cached && api_unplug(h, holder) && !ret)
		ret = -EIO;
	return ret;
}

/*
 * Every case once per round, starting one further each round, so that a
 * slow stretch of the machine falls on every case alike.
 */
static int plug_rounds(struct bench *b, struct pn_client *h, struct plug_times *t)
{
	__u32 max_prog = 0;

	for (unsigned int r = 0; r < b->reps; r++) {
		for (unsigned int k = 0; k < N_CASES; k++) {
			enum plug_case c = (enum plug_case)((r + k) % N_CASES);
			int ret;

			if (c == ENG_UNCACHED || c == ENG_CACHED)
				ret = engine_round(b, c == ENG_CACHED, &t[c].plug[r],
						   &t[c].unplug[r]);
			else
				ret = api_round(b, h, c == API_CACHED, &max_prog, &t[c].plug[r],
						&t[c].unplug[r]);
			if (ret) {
				fprintf(stderr, "bench_api: round %u, %s failed\n", r,
					case_names[c]);
				return ret;
			}
		}
	}
	return 0;
}

static void report_plugs(const struct bench *b, const struct plug_times *t, unsigned int pods)
{
	double p[N_CASES], u[N_CASES];

	for (int c = 0; c < N_CASES; c++) {
		p[c] = bench_median(t[c].plug, b->reps) / 1e6;
		u[c] = bench_median(t[c].unplug, b->reps) / 1e6;
	}
	printf("\n%u pods registered:\n", pods);
	printf("%-10s %10s %10s %10s %10s %9s %9s %9s\n", "", "engine", "engine", "API", "API",
	       "API/eng", "API/eng", "API/eng");
	printf("%-10s %10s %10s %10s %10s %9s %9s %9s\n", "", "plug", "unplug", "plug", "unplug",
	       "plug", "unplug", "both");
	for (int k = 0; k < 2; k++) {
		int e = k ? ENG_CACHED : ENG_UNCACHED, a = k ? API_CACHED : API_UNCACHED;

		printf("%-10s %10.1f %10.1f %10.1f %10.1f %9.2f %9.2f %9.2f\n",
		       k ? "cached" : "uncached", p[e], u[e], p[a], u[a], p[a] / p[e], u[a] / u[e],
		       (p[a] + u[a]) / (p[e] + u[e]));
	}
	for (int c = 0; c < N_CASES; c++) {
		printf("  %-17s plug ms, every round:", case_names[c]);
		for (unsigned int r = 0; r < b->reps; r++)
			printf(" %.0f", t[c].plug[r] / 1e6);
		printf("\n");
	}
}

/* --- request rate
 * --------------------------------------------------------------------------------- */

/* Holds the clients until all are started, so that they begin together. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t opened;
	bool open, cancelled;
};

struct client {
	const struct bench *b;
	const char *path;
	unsigned int n;
	struct gate *gate;
	int ret;
};

static void *client_run(void *arg)
{
	struct client *c = arg;
	struct pn_client *h = pn_client__new(c->b->sock, 120000);
	bool cancelled;

	c->ret = h ? 0 : -ENOMEM;
	pthread_mutex_lock(&c->gate->lock);
	while (!c->gate->open)
		pthread_cond_wait(&c->gate->opened, &c->gate->lock);
	cancelled = c->gate->cancelled;
	pthread_mutex_unlock(&c->gate->lock);
	for (unsigned int i = 0; !cancelled && !c->ret && i < c->n; i++)
		c->ret = expect(h, "GET", c->path, NULL, false, 200, NULL);
	pn_client__free(h);
	return NULL;
}

/* n requests to path split over `clients` threads started together: requests per second. */
static int rate(const struct bench *b, const char *path, unsigned int clients, unsigned int n,
		double *per_s)
{
	struct gate gate = {.lock = PTHREAD_MUTEX_INITIALIZER, .opened = PTHREAD_COND_INITIALIZER};
	struct client c[CLIENTS];
	pthread_t th[CLIENTS];
	unsigned int started = 0;
	double t0;
	int ret = 0;

	for (unsigned int i = 0; i < clients; i++) {
		c[i] = (struct client){.b = b, .path = path, .n = n / clients, .gate = &gate};
		if (pthread_create(&th[i], NULL, client_run, &c[i]))
			break;
		started++;
	}
	pthread_mutex_lock(&gate.lock);
	gate.open = true;
	gate.cancelled = started != clients;
	pthread_cond_broadcast(&gate.opened);
	pthread_mutex_unlock(&gate.lock);
	t0 = bench_now_ns();
	for (unsigned int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		ret = ret ? ret : c[i].ret;
	}
	*per_s = (double)(n / clients * clients) / ((bench_now_ns() - t0) / 1e9);
	if (started != clients) {
		fprintf(stderr, "bench_api: cannot start %u client threads\n", clients);
		return -EAGAIN;
	}
	return ret;
}

/*
 * How many requests fill about the time budget: from a few timed ones after
 * one to warm up, within MIN_REQUESTS..MAX_REQUESTS and a multiple of
 * CLIENTS. Also checks the answer: 200, and for the interfaces as many
 * entries as pods.
 */
static int calibrate(const struct bench *b, struct pn_client *h, const char *path, int entries,
		     unsigned int *n)
{
	double t0, each;
	cJSON *j = NULL;
	int ret = expect(h, "GET", path, NULL, false, 200, &j);

	if (!ret && entries >= 0 && cJSON_GetArraySize(j) != entries) {
		fprintf(stderr, "bench_api: GET %s lists %d interfaces, expected %d\n", path,
			cJSON_GetArraySize(j), entries);
		ret = -EPROTO;
	}
	cJSON_Delete(j);
	t0 = bench_now_ns();
	for (int i = 0; !ret && i < 5; i++)
		ret = expect(h, "GET", path, NULL, false, 200, NULL);
	if (ret)
		return ret;
	each = (bench_now_ns() - t0) / 5 / 1e9;
	*n = (unsigned int)(b->seconds / each);
	*n = *n < MIN_REQUESTS ? MIN_REQUESTS : *n > MAX_REQUESTS ? MAX_REQUESTS : *n;
	*n -= *n % CLIENTS;
	return 0;
}

/* One path at one pod count: N per trial, and requests/s of every trial with 1 and 4 clients. */
struct rate_row {
	unsigned int pods, n;
	const char *path;
	double one[MAX_TRIALS], four[MAX_TRIALS];
};

/*
 * Health and interfaces, 1 and 4 clients: `trials` rounds of all four,
 * each round starting one further, so that a slow stretch of a shared
 * machine falls on every configuration alike.
 */
static int measure_rates(const struct bench *b, struct pn_client *h, unsigned int pods,
			 struct rate_row *rows)
{
	static const char *const paths[] = {"/v1/health", "/v1/interfaces"};

	for (int p = 0; p < 2; p++) {
		int ret;

		rows[p].pods = pods;
		rows[p].path = paths[p];
		ret = calibrate(b, h, paths[p], p ? (int)pods : -1, &rows[p].n);
		if (ret)
			return ret;
	}
	for (unsigned int t = 0; t < b->trials; t++) {
		for (unsigned int k = 0; k < 4; k++) {
			unsigned int m = (t + k) % 4;
			struct rate_row *r = &rows[m / 2];
			unsigned int clients = m % 2 ? CLIENTS : 1;
			double *out = m % 2 ? &r->four[t] : &r->one[t];
			int ret = rate(b, r->path, clients, r->n, out);

			if (ret)
				return ret;
			fprintf(stderr, "bench_api:   %u pods, GET %s, %u client(s): %.1f/s\n",
				pods, r->path, clients, *out);
		}
	}
	return 0;
}

static void report_rates(const struct bench *b, const struct rate_row *rows, size_t n)
{
	unsigned int k = b->trials;

	printf("\n== request rate: GET from 1 client and from %u concurrent clients ==\n", CLIENTS);
	printf("requests/s, median of %u trials (min-max); one keep-alive connection per client\n"
	       "(libcurl, unix socket); N requests per trial, split over the clients; health\n"
	       "describes every interface too, so it is the baseline\n\n",
	       k);
	printf("%5s  %-15s %5s %19s %19s %6s %9s %9s\n", "pods", "GET", "N", "1 client",
	       "4 clients", "4 / 1", "/health 1", "/health 4");
	for (size_t i = 0; i < n; i++) {
		const struct rate_row *r = &rows[i], *h = &rows[i & ~(size_t)1];
		double one = bench_median(r->one, k), four = bench_median(r->four, k);
		char a[32], c[32];

		snprintf(a, sizeof(a), "%.1f (%.0f-%.0f)", one, bench_minimum(r->one, k),
			 bench_maximum(r->one, k));
		snprintf(c, sizeof(c), "%.1f (%.0f-%.0f)", four, bench_minimum(r->four, k),
			 bench_maximum(r->four, k));
		printf("%5u  %-15s %5u %19s %19s %6.2f %9.2f %9.2f\n", r->pods, r->path, r->n, a, c,
		       four / one, one / bench_median(h->one, k), four / bench_median(h->four, k));
	}
}

/* --- main
 * ------------------------------------------------------------------------------------------ */

/* The engine's warnings (and all of it with PLUGNET_BENCH_DEBUG); not its info on every plug. */
static int engine_print(enum pn_print_level level, const char *fmt, va_list ap)
{
	if (level != PN_PRINT_WARN && !getenv("PLUGNET_BENCH_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int bench(struct bench *b, const char *build)
{
	struct plug_times(*t)[N_CASES] = calloc(2, sizeof(*t));
	double reg[MAX_PODS];
	struct rate_row rows[4];
	struct pn_netns ns = {.fd = -1};
	struct pn_client *h = NULL;
	int ret;

	if (!t) {
		ret = -ENOMEM;
		goto out;
	}
	/* What an interrupted run may have left would make `ip netns add` fail. */
	remove_interfaces(b);
	(void)sh("rm -rf %s %s", PIN_ROOT_ENGINE, PIN_ROOT_AGENT);
	fprintf(stderr, "bench_api: making %u pods and the engine's interfaces\n", b->pods);
	ret = make_interfaces(b);
	if (ret)
		goto out;
	ret = pn_engine__new(PIN_ROOT_ENGINE, &b->engine);
	if (ret) {
		fprintf(stderr, "bench_api: engine: %s\n", pn_last_error());
		goto out;
	}
	ret = pn_netns_open("/run/netns/" ENGINE_NS, &ns);
	if (ret)
		fprintf(stderr, "bench_api: netns %s: %s\n", ENGINE_NS, strerror(-ret));
	for (int i = 0; !ret && i < 2; i++) {
		char name[IF_NAMESIZE];
		struct pn_iface_ref ref = {.netns_fd = ns.fd, .ifname = name};

		snprintf(name, sizeof(name), "e%d", i);
		ret = pn_engine__install(b->engine, &ref, PN_XDP_MODE_AUTO, &b->eng_iface[i]);
		if (ret)
			fprintf(stderr, "bench_api: install on %s: %s\n", name, pn_last_error());
	}
	if (ret)
		goto out;
	ret = start_agent(b, build);
	if (ret)
		goto out;
	h = pn_client__new(b->sock, 120000);
	if (!h) {
		fprintf(stderr, "bench_api: a client of %s: %s\n", b->sock, strerror(errno));
		ret = -ENOMEM;
		goto out;
	}

	fprintf(stderr, "bench_api: request rates with no pod\n");
	ret = measure_rates(b, h, 0, &rows[0]);
	if (ret)
		goto out;
	/* Plugs with 2 pods registered, then with all of them: what the pod count adds. */
	ret = register_pods(h, 0, 2, reg);
	if (!ret)
		ret = find_pod_ifaces(b, h);
	if (ret)
		goto out;
	fprintf(stderr, "bench_api: %u rounds of plugs, 2 pods\n", b->reps);
	ret = plug_rounds(b, h, t[0]);
	if (ret)
		goto out;
	fprintf(stderr, "bench_api: registering %u pods more\n", b->pods - 2);
	ret = register_pods(h, 2, b->pods, reg);
	if (ret)
		goto out;
	fprintf(stderr, "bench_api: %u rounds of plugs, %u pods\n", b->reps, b->pods);
	ret = plug_rounds(b, h, t[1]);
	if (ret)
		goto out;
	fprintf(stderr, "bench_api: request rates with %u pods\n", b->pods);
	ret = measure_rates(b, h, b->pods, &rows[2]);
	if (ret)
		goto out;

	printf("\n== plug and unplug: the engine alone vs through plugnetd's API ==\n");
	printf("median of %u rounds, wall clock ms; engine: pn_iface__plug/unplug; API: POST\n"
	       "/v1/slots + DELETE /v1/slots/<id> (libcurl, unix socket, a new connection each,\n"
	       "as the runtime for a registered pod)\n",
	       b->reps);
	report_plugs(b, t[0], 2);
	report_plugs(b, t[1], b->pods);
	printf("\nuncached: the program is loaded and verified (no other slot holds it);\n"
	       "cached: a holder slot of the same object on a second interface keeps it loaded.\n"
	       "registration (POST /v1/containers, installs the pod's dispatcher), median of %u: "
	       "%.1f ms\n",
	       b->pods, bench_median(reg, b->pods) / 1e6);
	report_rates(b, rows, 4);
out:
	stop_agent(b);
	for (int i = 0; i < 2; i++) {
		if (b->eng_iface[i] && pn_iface__remove(b->eng_iface[i]))
			fprintf(stderr, "bench_api: remove e%d: %s\n", i, pn_last_error());
	}
	pn_engine__free(b->engine);
	pn_netns_close(&ns);
	remove_interfaces(b);
	(void)sh("rm -rf %s %s", PIN_ROOT_ENGINE, PIN_ROOT_AGENT);
	pn_client__free(h);
	free(t);
	return ret;
}

int main(int argc, char **argv)
{
	const char *build = getenv("PLUGNET_BUILD") ? getenv("PLUGNET_BUILD") : "build";
	struct bench b = {};
	int ret;

	(void)argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 1) {
		fprintf(stderr, "usage: bench_api (see the comment at the top of the source)\n");
		return 2;
	}
	if (geteuid()) {
		fprintf(stderr, "bench_api: needs root (netns, XDP, BPF)\n");
		return 1;
	}
	pn_log_set_level(getenv("PLUGNET_BENCH_DEBUG") ? PN_LOG_DEBUG : PN_LOG_WARN);
	pn_set_print(engine_print);
	b.reps = bench_env_uint("PLUGNET_BENCH_API_REPS", 11, 1, MAX_REPS);
	b.pods = bench_env_uint("PLUGNET_BENCH_API_PODS", 100, 2, MAX_PODS);
	b.seconds = bench_env_uint("PLUGNET_BENCH_API_SECONDS", 2, 1, 600);
	b.trials = bench_env_uint("PLUGNET_BENCH_API_TRIALS", 5, 1, MAX_TRIALS);
	snprintf(b.dir, sizeof(b.dir), "/tmp/plugnet-bench-api.XXXXXX");
	if (!mkdtemp(b.dir)) {
		fprintf(stderr, "bench_api: mkdtemp %s: %s\n", b.dir, strerror(errno));
		return 1;
	}
	ret = bench(&b, build);
	if (ret) {
		fprintf(stderr, "bench_api: FAILED (%s); the end of plugnetd's log:\n",
			strerror(-ret));
		(void)sh("tail -n 20 %s/plugnetd.log >&2", b.dir);
	}
	(void)sh("rm -rf %s", b.dir);
	return ret ? 1 : 0;
}
