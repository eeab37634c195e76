// SPDX-License-Identifier: Apache-2.0
/*
 * Caller identity from peer credentials, with real processes: forked
 * children connect to a unix socket from the host netns, from another
 * netns, as nobody, from a cgroup that stands in for a pod's, or exit
 * before the agent looks at them, or leave their pid to another process.
 * Every case runs through SO_PEERPIDFD where this kernel has it and
 * through the SO_PEERCRED + pidfd_open() fallback that 6.1 takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "identity.h"
#include "testlib.h"

#define NETNS  "pn-identity"
#define NOBODY 65534
/* Not this binary: the CNI binary a runtime rule may name. */
#define OTHER_CNI "/opt/cni/bin/plugnet"

/* What a child sends once it is connected, or failed to be. */
struct report {
	pid_t pid;
	__u64 netns; /* its own /proc/self/ns/net, seen from inside */
	int err;     /* errno of the first step that failed, 0 if connected */
	char step[32];
};

/* What a child does before it connects: 0 or an errno. */
typedef int (*prepare_fn)(const char *arg);

struct fix {
	char dir[64], sock_path[96];
	int listen_fd, conn, release_fd;
	pid_t child; /* 0 once reaped */
	__u64 host_netns;
	char exe[PATH_MAX];
	char cgroup[512];
	/* A pod stand-in cgroup to remove, and a cgroup2 mount of our own to undo. */
	char cg_dir[PATH_MAX + 64];
	char cg_mount[64];
};

static bool kernel_has_peerpidfd(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		fail_msg("uname: cannot read this kernel's version");
	return major > 6 || (major == 6 && minor >= 5);
}

static __u64 inode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		fail_msg("stat '%s': %s", path, strerror(errno));
	return st.st_ino;
}

/* Our own cgroup v2 path, read independently of the code under test. */
static void own_cgroup(char *out, size_t size)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "re");

	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			if (strlen(line + 3) >= size)
				fail_msg("our own cgroup '%s' is too long", line + 3);
			memcpy(out, line + 3, strlen(line + 3) + 1);
		}
	fclose(f);
}

static int setup(void **state)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct fix *f = calloc(1, sizeof(*f));
	ssize_t n;

	if (!f)
		return -1;
	f->listen_fd = f->conn = f->release_fd = -1;
	*state = f;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pn-identity-XXXXXX");
	if (!mkdtemp(f->dir))
		fail_msg("mkdtemp '%s': %s", f->dir, strerror(errno));
	/* nobody must reach the socket too. */
	assert_int_equal(chmod(f->dir, 0755), 0);
	snprintf(f->sock_path, sizeof(f->sock_path), "%s/sock", f->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->sock_path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	if (bind(f->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(f->listen_fd, 8))
		fail_msg("socket '%s': %s", f->sock_path, strerror(errno));
	assert_int_equal(chmod(f->sock_path, 0666), 0);
	f->host_netns = inode_of("/proc/self/ns/net");
	n = readlink("/proc/self/exe", f->exe, sizeof(f->exe) - 1);
	assert_true(n > 0);
	f->exe[n] = '\0';
	own_cgroup(f->cgroup, sizeof(f->cgroup));
	return 0;
}

static void reap(struct fix *f, bool kill_it)
{
	int status;

	if (f->release_fd >= 0)
		close(f->release_fd);
	f->release_fd = -1;
	if (!f->child)
		return;
	if (kill_it)
		kill(f->child, SIGKILL);
	if (waitpid(f->child, &status, 0) != f->child)
		fail_msg("waitpid %d: %s", f->child, strerror(errno));
	f->child = 0;
	if (!kill_it && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fail_msg("child exited with status 0x%x", status);
}

/* rmdir a cgroup its last process just left: the kernel may still be releasing it. */
static int rmdir_cgroup(const char *dir)
{
	for (int i = 0; i < 200; i++) {
		if (!rmdir(dir) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		usleep(10000);
	}
	fprintf(stderr, "rmdir '%s': %s\n", dir, strerror(errno));
	return -1;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	int ret = 0;

	pn_identity_no_peerpidfd = false;
	reap(f, true);
	if (f->conn >= 0)
		close(f->conn);
	if (f->listen_fd >= 0)
		close(f->listen_fd);
	unlink(f->sock_path);
	rmdir(f->dir);
	if (f->cg_dir[0] && rmdir_cgroup(f->cg_dir))
		ret = -1;
	if (f->cg_mount[0]) {
		if (umount2(f->cg_mount, 0) || rmdir(f->cg_mount)) {
			fprintf(stderr, "cgroup2 mount '%s': %s\n", f->cg_mount, strerror(errno));
			ret = -1;
		}
	}
	tl_netns_del(NETNS);
	free(f);
	return ret;
}

static __attribute__((noreturn)) void child_main(struct fix *f, prepare_fn prepare, const char *arg,
						 bool exit_at_once, int ready, int release)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct report rep = {.pid = getpid()};
	struct stat st;
	char c;
	int fd;

	close(f->listen_fd);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->sock_path);
	if (prepare && (rep.err = prepare(arg)))
		snprintf(rep.step, sizeof(rep.step), "prepare");
	fd = rep.err ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!rep.err && (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))) {
		rep.err = errno;
		snprintf(rep.step, sizeof(rep.step), "connect");
	}
	if (!stat("/proc/self/ns/net", &st))
		rep.netns = st.st_ino;
	if (write(ready, &rep, sizeof(rep)) != sizeof(rep) || rep.err)
		_exit(2);
	if (exit_at_once)
		_exit(0);
	/* Stay alive, connected, until the test closes its end of the pipe. */
	while (read(release, &c, 1) > 0)
		;
	_exit(0);
}

/* Fork a child that prepares, connects and reports; accept its connection. */
static void start_child(struct fix *f, prepare_fn prepare, const char *arg, bool exit_at_once,
			struct report *rep)
{
	int ready[2], release[2];
	ssize_t n;

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(release, O_CLOEXEC), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0) {
		close(ready[0]);
		close(release[1]);
		child_main(f, prepare, arg, exit_at_once, ready[1], release[0]);
	}
	close(ready[1]);
	close(release[0]);
	f->release_fd = release[1];
	n = read(ready[0], rep, sizeof(*rep));
	close(ready[0]);
	if (n != sizeof(*rep))
		fail_msg("child %d sent no report (%zd bytes)", f->child, n);
	if (rep->err)
		fail_msg("child %d: %s: %s", f->child, rep->step, strerror(rep->err));
	assert_int_equal(rep->pid, f->child);
	if (f->conn >= 0)
		close(f->conn);
	f->conn = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (f->conn < 0)
		fail_msg("accept on '%s': %s", f->sock_path, strerror(errno));
}

/* What a child's peer must show besides its pid. */
struct ids {
	uid_t uid;
	gid_t gid;
	__u64 netns;
};

/*
 * A live child's peer, read through SO_PEERPIDFD or the fallback, must be
 * the child: its pid, the ids expected, and the netns the child itself
 * reported. The child is reaped after.
 */
static void read_child_peer(struct fix *f, bool fallback, prepare_fn prepare, const char *arg,
			    struct ids want, struct pn_peer *peer, struct report *rep)
{
	char err[256];

	start_child(f, prepare, arg, false, rep);
	pn_identity_no_peerpidfd = fallback;
	tl_assert_ok(pn_peer_read(f->conn, peer, err, sizeof(err)), err);
	pn_identity_no_peerpidfd = false;
	reap(f, false);
	assert_int_equal(peer->pid, rep->pid);
	assert_int_equal(peer->uid, want.uid);
	assert_int_equal(peer->gid, want.gid);
	assert_int_equal(peer->netns_id, rep->netns);
	if (want.netns)
		assert_int_equal(peer->netns_id, want.netns);
	assert_int_equal(peer->via_pidfd, !fallback && kernel_has_peerpidfd());
}

static struct pn_runtime_rule rule_for(const struct fix *f, const char *cni)
{
	return (struct pn_runtime_rule){
		.host_netns_id = f->host_netns,
		.cni_binary = cni,
		.pod_cgroup_markers = {"kubepods", "/pod", NULL},
	};
}

/* Classify peer by rule: kind, and a why that contains want (unless NULL). */
static void expect_kind(const struct pn_peer *peer, const struct pn_runtime_rule *rule,
			enum pn_caller_kind kind, const char *want)
{
	char why[PATH_MAX * 3];

	assert_int_equal(pn_peer_classify(peer, rule, why, sizeof(why)), kind);
	if (want)
		tl_assert_contains(why, want);
}

static void test_self_netns_id(void **state)
{
	struct fix *f = *state;
	__u64 id = 0;

	tl_assert_ok(pn_self_netns_id(&id), "pn_self_netns_id");
	assert_int_equal(id, f->host_netns);
}

/* A child in the host netns: every field is the child's, on both paths. */
static void test_host_peer(void **state)
{
	struct fix *f = *state;
	struct ids root = {.netns = f->host_netns};

	for (int fallback = 0; fallback < 2; fallback++) {
		struct pn_peer peer;
		struct report rep;

		read_child_peer(f, fallback, NULL, NULL, root, &peer, &rep);
		assert_string_equal(peer.cgroup, f->cgroup);
		assert_string_equal(peer.exe, f->exe);
	}
}

static int join_netns(const char *ns)
{
	char path[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (setns(fd, CLONE_NEWNET))
		err = errno;
	close(fd);
	return err;
}

static int unshare_netns(const char *unused)
{
	(void)unused;
	return unshare(CLONE_NEWNET) ? errno : 0;
}

/* A child in another netns is a container candidate, with that netns's inode. */
static void test_other_netns_is_container(void **state)
{
	struct fix *f = *state;
	struct pn_runtime_rule rule = rule_for(f, f->exe);
	__u64 ns_id;

	tl_netns_del(NETNS);
	assert_int_equal(tl_sh("ip netns add " NETNS), 0);
	ns_id = inode_of("/run/netns/" NETNS);
	assert_int_not_equal(ns_id, f->host_netns);
	for (int fallback = 0; fallback < 2; fallback++) {
		struct pn_peer peer;
		struct report rep;
		char want[128];

		read_child_peer(f, fallback, join_netns, NETNS, (struct ids){.netns = ns_id}, &peer,
				&rep);
		snprintf(want, sizeof(want), "pid %d: netns %llu is not the host's", rep.pid,
			 (unsigned long long)ns_id);
		expect_kind(&peer, &rule, PN_CALLER_CONTAINER, want);

		/* A netns nobody named: still the one the child is in. */
		read_child_peer(f, fallback, unshare_netns, NULL, (struct ids){0}, &peer, &rep);
		assert_int_not_equal(peer.netns_id, f->host_netns);
		assert_int_not_equal(peer.netns_id, ns_id);
		expect_kind(&peer, &rule, PN_CALLER_CONTAINER, NULL);
	}
}

/* Host netns, uid 0, our cgroup, our exe: the runtime, unless another CNI binary is configured. */
static void test_runtime(void **state)
{
	struct fix *f = *state;
	struct ids root = {.netns = f->host_netns};

	for (int fallback = 0; fallback < 2; fallback++) {
		struct pn_runtime_rule rule = rule_for(f, f->exe);
		struct pn_peer peer;
		struct report rep;
		char want[PATH_MAX * 2 + 128];

		read_child_peer(f, fallback, NULL, NULL, root, &peer, &rep);
		expect_kind(&peer, &rule, PN_CALLER_RUNTIME, NULL);
		rule.cni_binary = NULL;
		expect_kind(&peer, &rule, PN_CALLER_RUNTIME, NULL);
		rule.cni_binary = "";
		expect_kind(&peer, &rule, PN_CALLER_RUNTIME, NULL);
		rule.cni_binary = OTHER_CNI;
		snprintf(want, sizeof(want),
			 "pid %d: host netns, uid 0 and cgroup '%s', but exe '%s' is not the CNI "
			 "binary '" OTHER_CNI "'",
			 rep.pid, f->cgroup, f->exe);
		expect_kind(&peer, &rule, PN_CALLER_REFUSED, want);
	}
}

static int become_nobody(const char *unused)
{
	(void)unused;
	if (setgid(NOBODY) || setuid(NOBODY))
		return errno;
	return 0;
}

/* Host netns as nobody: refused, naming the uid. */
static void test_nobody_refused(void **state)
{
	struct fix *f = *state;
	struct ids nobody = {NOBODY, NOBODY, f->host_netns};
	struct pn_runtime_rule rule = rule_for(f, NULL);

	for (int fallback = 0; fallback < 2; fallback++) {
		struct pn_peer peer;
		struct report rep;
		char want[128];

		read_child_peer(f, fallback, become_nobody, NULL, nobody, &peer, &rep);
		snprintf(want, sizeof(want), "pid %d: host netns, but uid %d is not 0", rep.pid,
			 NOBODY);
		expect_kind(&peer, &rule, PN_CALLER_REFUSED, want);
	}
}

/*
 * Where cgroup v2 is: its mount point and the cgroup path of that mount
 * point. /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a
 * hybrid one; with none, one of our own on a temporary directory.
 */
static void find_cgroup2(struct fix *f, char *mnt, size_t mnt_size, char *root, size_t root_size)
{
	char line[4096], r[PATH_MAX], m[PATH_MAX], type[64];
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	const char *dash;

	assert_non_null(mi);
	mnt[0] = '\0';
	while (!mnt[0] && fgets(line, sizeof(line), mi)) {
		dash = strstr(line, " - ");
		if (!dash || sscanf(dash, " - %63s", type) != 1 || strcmp(type, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", r, m) != 2)
			continue;
		snprintf(mnt, mnt_size, "%s", m);
		snprintf(root, root_size, "%s", r);
	}
	fclose(mi);
	if (mnt[0]) {
		fprintf(stderr, "# cgroup2 mounted at %s\n", mnt);
		return;
	}
	snprintf(f->cg_mount, sizeof(f->cg_mount), "/tmp/pn-identity-cg2-XXXXXX");
	if (!mkdtemp(f->cg_mount))
		fail_msg("mkdtemp '%s': %s", f->cg_mount, strerror(errno));
	if (mount("none", f->cg_mount, "cgroup2", 0, NULL)) {
		int err = errno;

		rmdir(f->cg_mount);
		f->cg_mount[0] = '\0';
		fail_msg("mount -t cgroup2 on a temporary directory: %s", strerror(err));
	}
	fprintf(stderr, "# no cgroup2 mounted: mounted one at %s\n", f->cg_mount);
	snprintf(mnt, mnt_size, "%s", f->cg_mount);
	snprintf(root, root_size, "/");
}

static int join_cgroup(const char *dir)
{
	char path[PATH_MAX + 32], pid[32];
	int fd, len, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	len = snprintf(pid, sizeof(pid), "%d", getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, pid, len) != len)
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

/* A hostNetwork pod running as root, in a cgroup named like a pod's: not the runtime. */
static void test_hostnetwork_pod_refused(void **state)
{
	struct fix *f = *state;
	struct ids root = {.netns = f->host_netns};
	struct pn_runtime_rule rule = rule_for(f, f->exe);
	char mnt[PATH_MAX], mnt_root[PATH_MAX], name[64], cgroup[PATH_MAX + 64];

	find_cgroup2(f, mnt, sizeof(mnt), mnt_root, sizeof(mnt_root));
	snprintf(name, sizeof(name), "pn-kubepods-test-%d", getpid());
	snprintf(f->cg_dir, sizeof(f->cg_dir), "%s/%s", mnt, name);
	if (mkdir(f->cg_dir, 0755))
		fail_msg("mkdir '%s': %s", f->cg_dir, strerror(errno));
	snprintf(cgroup, sizeof(cgroup), "%s/%s", strcmp(mnt_root, "/") ? mnt_root : "", name);
	for (int fallback = 0; fallback < 2; fallback++) {
		struct pn_peer peer;
		struct report rep;
		char want[PATH_MAX + 256];

		read_child_peer(f, fallback, join_cgroup, f->cg_dir, root, &peer, &rep);
		assert_string_equal(peer.cgroup, cgroup);
		assert_string_equal(peer.exe, f->exe);
		snprintf(want, sizeof(want),
			 "pid %d: host netns and uid 0, but cgroup '%s' is a pod's (it contains "
			 "'kubepods')",
			 rep.pid, cgroup);
		expect_kind(&peer, &rule, PN_CALLER_REFUSED, want);
	}
	/* The child has been reaped, so the cgroup is empty. */
	assert_int_equal(rmdir_cgroup(f->cg_dir), 0);
	f->cg_dir[0] = '\0';
}

static void expect_refused_exited(struct fix *f, pid_t pid, bool fallback)
{
	struct pn_peer peer;
	char err[512], want[64];

	memset(&peer, 0xa5, sizeof(peer));
	pn_identity_no_peerpidfd = fallback;
	assert_int_equal(pn_peer_read(f->conn, &peer, err, sizeof(err)), -ESRCH);
	pn_identity_no_peerpidfd = false;
	snprintf(want, sizeof(want), "socket fd %d: ", f->conn);
	tl_assert_contains(err, want);
	snprintf(want, sizeof(want), "pid %d", pid);
	tl_assert_contains(err, want);
	/* Nothing of whatever the pid names now is left behind. */
	assert_int_equal(peer.pid, 0);
	assert_int_equal(peer.netns_id, 0);
	assert_string_equal(peer.exe, "");
}

/* A peer that exited, as a zombie and once reaped: -ESRCH, never another process's data. */
static void test_dead_peer(void **state)
{
	struct fix *f = *state;

	for (int fallback = 0; fallback < 2; fallback++) {
		siginfo_t info;
		struct report rep;

		start_child(f, NULL, NULL, true, &rep);
		/* Exited, not reaped yet. */
		assert_int_equal(waitid(P_PID, f->child, &info, WEXITED | WNOWAIT), 0);
		expect_refused_exited(f, rep.pid, fallback);
		reap(f, false);
		expect_refused_exited(f, rep.pid, fallback);
	}
}

static void set_last_pid(pid_t pid)
{
	FILE *fp = fopen("/proc/sys/kernel/ns_last_pid", "we");

	if (!fp)
		fail_msg("opening /proc/sys/kernel/ns_last_pid: %s", strerror(errno));
	if (fprintf(fp, "%d", pid) < 0 || fclose(fp))
		fail_msg("writing %d to /proc/sys/kernel/ns_last_pid: %s", pid, strerror(errno));
}

/*
 * The peer exits and its pid goes to another process (in another netns,
 * as nobody would be just as wrong) before the agent looks: refused. The
 * pid is handed out again through ns_last_pid; another process on the
 * host may take it first, hence the retries.
 */
static void test_reused_pid(void **state)
{
	struct fix *f = *state;

	for (int fallback = 0; fallback < 2; fallback++) {
		struct report rep;
		pid_t old;

		start_child(f, NULL, NULL, true, &rep);
		old = rep.pid;
		reap(f, false);
		for (int i = 0; i < 100 && f->child != old; i++) {
			int release[2];

			reap(f, true);
			assert_int_equal(pipe2(release, O_CLOEXEC), 0);
			set_last_pid(old - 1);
			f->child = fork();
			assert_true(f->child >= 0);
			if (f->child == 0) {
				char c;

				close(release[1]);
				if (unshare(CLONE_NEWNET))
					_exit(3);
				while (read(release[0], &c, 1) > 0)
					;
				_exit(0);
			}
			close(release[0]);
			f->release_fd = release[1];
		}
		assert_int_equal(f->child, old);
		/* The impostor is running and its /proc is there to be read. */
		assert_int_equal(kill(old, 0), 0);
		expect_refused_exited(f, old, fallback);
		reap(f, false);
	}
}

/* The rules on their own, for what a real process on this host cannot show. */
static void test_classify_rules(void **state)
{
	struct fix *f = *state;
	struct pn_runtime_rule rule = rule_for(f, OTHER_CNI);
	struct pn_peer peer = {.pid = 4321, .netns_id = f->host_netns};
	char why[1024], self[4096], want[5000];
	struct stat st;
	ssize_t n;

	/* The CNI binary is this test's own file, and the made-up peer runs it. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	assert_int_equal(stat(self, &st), 0);
	rule.cni_binary = self;
	snprintf(peer.cgroup, sizeof(peer.cgroup), "/system.slice/containerd.service");
	snprintf(peer.exe, sizeof(peer.exe), "%s", self);
	peer.exe_dev = st.st_dev;
	peer.exe_ino = st.st_ino;
	snprintf(want, sizeof(want),
		 "pid 4321: host netns, uid 0, cgroup '/system.slice/containerd.service' is not a "
		 "pod's, exe '%s'",
		 self);
	expect_kind(&peer, &rule, PN_CALLER_RUNTIME, want);

	/* The same path, another file (a container's own, in its mount namespace): refused. */
	peer.exe_ino = st.st_ino + 1;
	expect_kind(&peer, &rule, PN_CALLER_REFUSED, "is not the CNI binary");
	peer.exe_ino = st.st_ino;

	/* The second marker, a systemd-style pod slice. */
	snprintf(peer.cgroup, sizeof(peer.cgroup), "/kube.slice/pod1234/cri-abc");
	expect_kind(&peer, &rule, PN_CALLER_REFUSED,
		    "pid 4321: host netns and uid 0, but cgroup '/kube.slice/pod1234/cri-abc' is a "
		    "pod's (it contains '/pod')");

	/* No cgroup v2 path: it could be a pod's. */
	peer.cgroup[0] = '\0';
	expect_kind(&peer, &rule, PN_CALLER_REFUSED,
		    "pid 4321: host netns and uid 0, but its cgroup v2 path is unknown");

	/* An unreadable exe never matches the CNI binary. */
	snprintf(peer.cgroup, sizeof(peer.cgroup), "/");
	peer.exe[0] = '\0';
	peer.exe_dev = 0;
	peer.exe_ino = 0;
	expect_kind(&peer, &rule, PN_CALLER_REFUSED, "exe '(unreadable)' is not the CNI binary");

	/* A rule without the host netns recognises nobody. */
	rule.host_netns_id = 0;
	expect_kind(&peer, &rule, PN_CALLER_REFUSED,
		    "pid 4321: the runtime rule names no host netns");
	assert_int_equal(pn_peer_classify(NULL, &rule, why, sizeof(why)), PN_CALLER_REFUSED);
	assert_int_equal(pn_peer_classify(&peer, NULL, NULL, 0), PN_CALLER_REFUSED);
}

/* A socket without a peer, and a socket that is not unix: errors naming the fd. */
static void test_not_a_connection(void **state)
{
	struct fix *f = *state;
	struct pn_peer peer;
	char err[256], want[64];
	int fd;

	(void)f;
	for (int fallback = 0; fallback < 2; fallback++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fd >= 0);
		pn_identity_no_peerpidfd = fallback;
		assert_true(pn_peer_read(fd, &peer, err, sizeof(err)) < 0);
		pn_identity_no_peerpidfd = false;
		snprintf(want, sizeof(want), "socket fd %d: ", fd);
		tl_assert_contains(err, want);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pn_peer_read(fd, &peer, err, sizeof(err)), -ENOTSOCK);
	snprintf(want, sizeof(want), "socket fd %d: ", fd);
	tl_assert_contains(err, want);
	close(fd);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_self_netns_id),    T(test_host_peer),      T(test_other_netns_is_container),
		T(test_runtime),          T(test_nobody_refused), T(test_hostnetwork_pod_refused),
		T(test_dead_peer),        T(test_reused_pid),     T(test_classify_rules),
		T(test_not_a_connection),
	};

	return cmocka_run_group_tests_name("identity", tests, NULL, NULL);
}
