// SPDX-License-Identifier: Apache-2.0
/* plugnetd: the plugnet node agent. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>

#include "agent.h"
#include "api_routes.h"
#include "api_server.h"
#include "config.h"
#include "ifaces.h"
#include "metrics.h"
#include "reconcile.h"
#include "registry.h"
#include "sweeper.h"
#include "plugnet/engine.h"
#include "plugnet/log.h"

/* The engine library's messages go to the agent's log, at the matching level. */
static int engine_print(enum pn_print_level level, const char *fmt, va_list ap)
{
	static const enum pn_log_level to_log[] = {
		[PN_PRINT_WARN] = PN_LOG_WARN,
		[PN_PRINT_INFO] = PN_LOG_INFO,
		[PN_PRINT_DEBUG] = PN_LOG_DEBUG,
	};

	pn_logv(to_log[level], fmt, ap);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: plugnetd [OPTIONS]\n"
		     "\n"
		     "The plugnet node agent: holds the root XDP dispatcher of every\n"
		     "interface it manages and serves its API on unix sockets. Runs in the\n"
		     "foreground and logs to stderr; SIGTERM stops it and leaves every\n"
		     "dispatcher and slot in place for the next start.\n"
		     "\n"
		     "Options:\n"
		     "  -c, --config FILE  configuration (default " PN_CONFIG_PATH_DEFAULT
		     "; a missing default file means defaults)\n"
		     "  -d, --debug        log debug messages (and libbpf's) to stderr\n"
		     "  -m, --metrics-addr HOST:PORT\n"
		     "                     serve Prometheus metrics there (overrides the\n"
		     "                     configuration's metrics_addr; loopback only)\n"
		     "  -h, --help         show this help\n"
		     "  -V, --version      show the version\n");
}

/* mkdir -p with mode, for the state directory and the sockets' directories. */
static int make_dirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (!len || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int make_parent(const char *socket_path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", socket_path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return make_dirs(dir, 0755);
}

struct agent_run {
	struct pn_config cfg;
	struct pn_agent agent;
	struct pn_api_socket workload, admin;
	struct pn_api_server *workload_srv, *admin_srv;
	struct pn_sweeper *sweeper;
	struct pn_metrics_server *metrics;
	/* Where metrics_addr came from, for the message when it cannot be served. */
	const char *metrics_origin;
};

static int start_server(struct agent_run *run, const char *path, mode_t mode,
			struct pn_api_socket *sock, struct pn_api_server **srv)
{
	struct pn_api_server_opts opts = {
		.socket_path = path,
		.mode = mode,
		.max_body = run->cfg.max_body_bytes,
		.timeout_s = run->cfg.request_timeout_s,
		.handler = pn_api_route,
		.ctx = sock,
	};
	char err[512];
	int ret = make_parent(path);

	if (ret) {
		pn_log_error("api socket %s: cannot create its directory: %s", path,
			     strerror(-ret));
		return ret;
	}
	ret = pn_api_server__start(&opts, srv, err, sizeof(err));
	if (ret)
		pn_log_error("%s", err);
	return ret;
}

/*
 * Take over the dispatchers of the registered containers again, hold one
 * on every allowed uplink, and bring their slots and the registry
 * together. One that cannot be (its pod went away while plugnetd was
 * down, an uplink is missing or taken) is reported, not fatal: the
 * others keep being served.
 */
/*
 * Before the API serves: a SIGKILL may have left kernel and state file
 * apart on any interface held (reconcile.h).
 */
static void reconcile_all(struct pn_agent *a)
{
	struct pn_managed_info *list;
	char err[1024], what[2 * PN_ID_MAX + IF_NAMESIZE + 16];
	size_t n;

	if (pn_ifaces_list(a, &list, &n)) {
		pn_log_error("interface table: out of memory listing it");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct pn_iface *iface;

		if (!list[i].held)
			continue;
		iface = pn_ifaces_get_by_index(a, list[i].netns_id, list[i].ifindex);
		if (!iface)
			continue;
		if (list[i].kind == PN_TARGET_UPLINK)
			snprintf(what, sizeof(what), "uplink %s", list[i].ifname);
		else
			snprintf(what, sizeof(what), "container %.12s %s", list[i].container_id,
				 list[i].ifname);
		if (pn_reconcile_iface(a, iface, what, err, sizeof(err)))
			pn_log_warn("%s", err);
		pn_ifaces_put(a, iface);
	}
	free(list);
}

static void attach_all(struct agent_run *run)
{
	struct pn_agent *a = &run->agent;
	struct pn_container *list;
	char err[1024];
	size_t n;
	int ret;

	for (size_t i = 0; i < run->cfg.n_uplinks; i++) {
		struct pn_target tg = {.kind = PN_TARGET_UPLINK,
				       .uplink = run->cfg.uplinks[i].ifname};

		ret = pn_ifaces_attach(a, &tg, err, sizeof(err));
		/* -EPERM: the admin detached it; that is as it should be, not a warning. */
		if (ret)
			pn_log(ret == -EPERM ? PN_LOG_INFO : PN_LOG_WARN, "%s", err);
	}
	if (pn_registry__list_containers(a->registry, &list, &n)) {
		pn_log_error("registry: out of memory listing containers");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct pn_target pod = {.kind = PN_TARGET_POD,
					.container_id = list[i].container_id};
		struct pn_target host = {.kind = PN_TARGET_HOST,
					 .container_id = list[i].container_id};

		ret = pn_ifaces_attach(a, &pod, err, sizeof(err));
		if (ret)
			pn_log(ret == -EPERM ? PN_LOG_INFO : PN_LOG_WARN, "%s/%s: %s",
			       list[i].pod_namespace, list[i].pod_name, err);
		/* The host side was in use only if plugnet pinned it: adopt, never install here. */
		if (list[i].host_ifindex && pn_ifaces_adopt_pinned(a, &host, err, sizeof(err)))
			pn_log_warn("%s/%s: %s", list[i].pod_namespace, list[i].pod_name, err);
	}
	free(list);
	reconcile_all(a);
}

struct unrecorded {
	struct agent_run *run;
	__u64 netns_id[64];
	unsigned int ifindex[64];
	size_t n;
	bool more;
};

/*
 * Does a record claim this interface? One that could not be adopted (its
 * pod vanished while plugnetd was down) is the sweeper's to free, on the
 * record; a missing uplink may come back.
 */
static bool claimed(struct agent_run *run, __u64 netns_id, unsigned int ifindex)
{
	const __u64 host_netns = run->agent.runtime_rule.host_netns_id;
	struct pn_container *list;
	bool found = false;
	size_t n;

	for (size_t i = 0; i < run->cfg.n_uplinks && netns_id == host_netns; i++)
		found |= if_nametoindex(run->cfg.uplinks[i].ifname) == ifindex;
	if (pn_registry__list_containers(run->agent.registry, &list, &n))
		return true; /* out of memory: when in doubt, keep */
	for (size_t i = 0; !found && i < n; i++)
		found = (list[i].netns_id == netns_id && list[i].pod_ifindex == ifindex) ||
			(netns_id == host_netns && list[i].host_ifindex == ifindex);
	free(list);
	return found;
}

static int note_unrecorded(const struct pn_pinned_iface *p, void *ctx)
{
	struct unrecorded *u = ctx;

	if (p->held || claimed(u->run, p->netns_id, p->ifindex))
		return 0;
	if (u->n == sizeof(u->ifindex) / sizeof(u->ifindex[0])) {
		u->more = true;
		return 1;
	}
	u->netns_id[u->n] = p->netns_id;
	u->ifindex[u->n++] = p->ifindex;
	pn_log_warn("%s (%s, revision %llu, %u slots): pinned, but no registered container or "
		    "configured uplink claims it; removing it",
		    p->pin_dir, p->ifname[0] ? p->ifname : "no name recorded",
		    (unsigned long long)p->revision, p->num_slots);
	return 0;
}

/*
 * What plugnet pinned but no record claims (a container unregistered or an
 * uplink unconfigured while plugnetd was down, a crash between install and
 * save) is removed: nobody could ever change it again. Runs after every
 * recorded interface was adopted, so "not held" means "not recorded".
 */
static void remove_unrecorded(struct agent_run *run)
{
	struct pn_agent *a = &run->agent;
	struct unrecorded u = {.run = run};
	int ret;

	do {
		u.n = 0;
		u.more = false;
		ret = pn_engine__list_pinned(a->engine, note_unrecorded, &u);
		if (ret < 0) {
			pn_log_error("%s", pn_last_error());
			return;
		}
		for (size_t i = 0; i < u.n; i++) {
			if (pn_engine__remove_pinned(a->engine, u.netns_id[i], u.ifindex[i])) {
				pn_log_error("%s", pn_last_error());
				return;
			}
		}
	} while (u.more);
}

/* Kubernetes pod cgroups, with the systemd and the cgroupfs drivers alike. */
static const char *const pod_cgroup_markers[] = {"kubepods", NULL};

/* Registry from the state file, then the engine: a damaged state file stops before any kernel work.
 */
static int setup_agent(struct agent_run *run)
{
	struct pn_agent *a = &run->agent;
	struct pn_uplink_rule *rules;
	char err[1024];
	int ret;

	rules = calloc(run->cfg.n_uplinks ? run->cfg.n_uplinks : 1, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < run->cfg.n_uplinks; i++) {
		const struct pn_uplink_policy *u = &run->cfg.uplinks[i];

		snprintf(rules[i].ifname, sizeof(rules[i].ifname), "%s", u->ifname);
		rules[i].slot_quota = u->slot_quota;
		rules[i].prio_min = u->prio_min;
		rules[i].prio_max = u->prio_max;
	}
	ret = pn_registry__new(rules, run->cfg.n_uplinks, &a->registry);
	free(rules);
	if (ret) {
		pn_log_error("registry: %s", strerror(-ret));
		return ret;
	}
	snprintf(a->state_path, sizeof(a->state_path), "%s/state.json", run->cfg.state_dir);
	snprintf(a->audit_path, sizeof(a->audit_path), "%s/audit.log", run->cfg.state_dir);
	/* The table first: the state file marks the interfaces the admin detached. */
	ret = pn_ifaces_init(a);
	if (ret) {
		pn_log_error("interface table: %s", strerror(-ret));
		return ret;
	}
	ret = pn_agent_load_state(a, err, sizeof(err));
	if (ret) {
		pn_log_error("%s", err);
		return ret;
	}
	ret = pn_self_netns_id(&a->runtime_rule.host_netns_id);
	if (ret) {
		pn_log_error("own network namespace: %s", strerror(-ret));
		return ret;
	}
	a->runtime_rule.cni_binary = run->cfg.cni_binary;
	snprintf(a->catalog_dir, sizeof(a->catalog_dir), "%s", run->cfg.catalog_dir);
	a->allow_upload = run->cfg.allow_upload;
	memcpy(a->runtime_rule.pod_cgroup_markers, pod_cgroup_markers, sizeof(pod_cgroup_markers));
	ret = pn_engine__new(run->cfg.pin_root, &a->engine);
	if (ret) {
		pn_log_error("%s", pn_last_error());
		return ret;
	}
	pn_engine__set_slot_stats(a->engine, run->cfg.slot_counters);
	attach_all(run);
	remove_unrecorded(run);
	return 0;
}

static int run_agent(struct agent_run *run)
{
	sigset_t stop;
	int sig, ret;

	ret = make_dirs(run->cfg.state_dir, 0700);
	if (ret) {
		pn_log_error("state directory %s: %s", run->cfg.state_dir, strerror(-ret));
		return ret;
	}
	ret = setup_agent(run);
	if (ret)
		return ret;
	/* Signals wait for sigwait() here; every thread started from now on inherits the mask. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	run->workload = (struct pn_api_socket){.agent = &run->agent};
	run->admin = (struct pn_api_socket){.agent = &run->agent, .admin = true};
	/* The workload socket is reached from pods: who calls is decided by peer credentials. */
	ret = start_server(run, run->cfg.workload_socket, 0666, &run->workload, &run->workload_srv);
	if (!ret)
		ret = start_server(run, run->cfg.admin_socket, 0600, &run->admin, &run->admin_srv);
	if (!ret) {
		ret = pn_sweeper__start(&run->agent, run->cfg.sweep_interval_ms, &run->sweeper);
		if (ret)
			pn_log_error("sweeper: cannot start: %s", strerror(-ret));
	}
	if (!ret && run->cfg.metrics_addr[0]) {
		char err[256];

		ret = pn_metrics_server__start(&run->agent, run->cfg.metrics_addr, &run->metrics,
					       err, sizeof(err));
		if (ret)
			pn_log_error("plugnetd: %s: %s", run->metrics_origin, err);
	}
	if (ret)
		return ret;
	pn_log_info("plugnetd %s: serving on %s and %s (admin)", PLUGNET_VERSION,
		    run->cfg.workload_socket, run->cfg.admin_socket);
	do {
		ret = sigwait(&stop, &sig);
	} while (ret == EINTR);
	if (ret)
		pn_log_error("sigwait: %s", strerror(ret));
	else
		pn_log_info("plugnetd: %s: stopping; dispatchers and slots stay in place",
			    strsignal(sig));
	return 0;
}

static void stop_agent(struct agent_run *run)
{
	pn_metrics_server__stop(run->metrics);
	pn_sweeper__stop(run->sweeper);
	pn_api_server__stop(run->admin_srv);
	pn_api_server__stop(run->workload_srv);
	pn_ifaces_close(&run->agent);
	pn_engine__free(run->agent.engine);
	pn_registry__free(run->agent.registry);
	pthread_mutex_destroy(&run->agent.save_lock);
	pn_config_free(&run->cfg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"debug", no_argument, NULL, 'd'},
		{"metrics-addr", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	const char *config_path = NULL, *metrics_addr = NULL;
	struct agent_run run = {};
	char err[1024];
	int c, ret;

	pn_set_print(engine_print);
	while ((c = getopt_long(argc, argv, "c:dm:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'd':
			pn_log_set_level(PN_LOG_DEBUG);
			break;
		case 'm':
			metrics_addr = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("plugnetd %s\n", PLUGNET_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		pn_log_error("plugnetd: unexpected argument '%s'", argv[optind]);
		return EXIT_FAILURE;
	}
	if (pthread_mutex_init(&run.agent.save_lock, NULL)) {
		pn_log_error("plugnetd: cannot make a mutex");
		return EXIT_FAILURE;
	}
	pn_config_defaults(&run.cfg);
	/* Only the default file may be absent: a file named on purpose must exist. */
	ret = pn_config_load(config_path ? config_path : PN_CONFIG_PATH_DEFAULT, !config_path,
			     &run.cfg, err, sizeof(err));
	if (ret) {
		pn_log_error("%s", err);
		goto fail;
	}
	if (metrics_addr) {
		ret = pn_config_set_metrics_addr(&run.cfg, metrics_addr, err, sizeof(err));
		if (ret) {
			pn_log_error("plugnetd: --metrics-addr: %s", err);
			goto fail;
		}
	}
	run.metrics_origin = metrics_addr ? "--metrics-addr" : "metrics_addr of the configuration";
	ret = run_agent(&run);
	stop_agent(&run);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
fail:
	pn_config_free(&run.cfg);
	pthread_mutex_destroy(&run.agent.save_lock);
	return EXIT_FAILURE;
}
