// SPDX-License-Identifier: Apache-2.0
/*
 * The engine, shown step by step: a dispatcher on a pod-like veth, three
 * programs plugged by priority, a drop in the chain, the kernel refusing
 * to let anyone else detach it, and a restart that adopts everything.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "plugnet/log.h"
#include "slots.h"
#include "marks.skel.h"
#include "testlib.h"
#include "trail.h"

#define NS "plugnet-demo"

static int step_no;

static void step(const char *what)
{
	printf("\n[%d] %s\n", ++step_no, what);
}

static void die(struct tl_iface *t, const char *what)
{
	fprintf(stderr, "demo: %s: %s\n", what, t->engine ? pn_last_error() : "");
	tl_iface_teardown(t);
	exit(1);
}

static void show(struct tl_iface *t)
{
	static const char *const modes[] = {"auto", "native", "generic"};
	struct pn_iface_info info;
	char proceed[64];

	if (pn_iface__describe(t->iface, &info))
		die(t, "describe");
	printf("    %s (netns %llu, ifindex %u): root link %u, dispatcher prog %u, revision %llu, "
	       "%s mode, %u slot(s)\n",
	       info.ifname, (unsigned long long)info.netns_id, info.ifindex, info.root_link_id,
	       info.dispatcher_prog_id, (unsigned long long)info.revision, modes[info.mode],
	       info.num_slots);
	for (__u32 i = 0; i < info.num_slots; i++) {
		const struct pn_slot_info *s = &info.slots[i];

		pn_proceed_on_format(s->proceed_on, proceed, sizeof(proceed));
		printf("      slot %-2u  prio %-4d  proceed-on %-10s  prog %u '%s' tag %s  link %u "
		       " "
		       "(attach id %u)\n",
		       s->index, s->priority, proceed, s->prog_id, s->prog_name, s->prog_tag,
		       s->link_id, s->attach_id);
	}
}

static void run(struct tl_iface *t)
{
	char trail[TRAIL_MAX + 1], action[16] = "?";
	const char *name;
	__u32 v;

	if (tl_run_trail(t, trail, sizeof(trail), &v))
		die(t, "test run");
	name = pn_xdp_action_name(v);
	for (size_t i = 0; name && name[i] && i + 1 < sizeof(action); i++) {
		action[i] = (char)toupper((unsigned char)name[i]);
		action[i + 1] = '\0';
	}
	printf("    a test packet ran through slots \"%s\" and got XDP_%s\n", trail, action);
}

static __u32 plug(struct tl_iface *t, const char *prog, int prio, __u32 proceed_on)
{
	size_t size;
	const void *elf = marks__elf_bytes(&size);
	__u32 id;

	if (tl_plug(t, elf, size, prog, prio, proceed_on, &id))
		die(t, prog);
	printf("    plugged '%s' with priority %d -> attach id %u\n", prog, prio, id);
	return id;
}

int main(void)
{
	struct tl_iface t;
	struct pn_iface_ref ref = {.netns_fd = -1, .ifname = "eth0"};
	__u32 drop;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tl_log_level(PN_LOG_WARN);
	step("A pod-like network namespace with a veth, and the dispatcher attached under a "
	     "bpf_link");
	if (tl_iface_setup(&t, NS, "eth0", "host0"))
		die(&t, "setup");
	printf("    pins under %s\n", pn_iface__pin_dir(t.iface));
	show(&t);
	run(&t);

	step("Three programs plugged out of order; each revision swaps the root link atomically");
	plug(&t, "mark_c", 30, 1U << XDP_PASS);
	plug(&t, "mark_a", 10, 1U << XDP_PASS);
	plug(&t, "mark_b", 20, 1U << XDP_PASS);
	show(&t);
	run(&t);

	step("A program that drops, at priority 15: the chain stops there");
	drop = plug(&t, "mark_drop", 15, 1U << XDP_PASS);
	run(&t);

	step("Someone with root in the namespace tries to detach or replace the dispatcher");
	printf("    $ ip link set dev eth0 xdp off\n");
	fflush(stdout);
	if (tl_sh("ip -n %s link set dev eth0 xdp off 2>&1 | sed 's/^/    /'", NS) ||
	    tl_sh("ip -n %s link show dev eth0 | grep -q 'prog/xdp'", NS))
		die(&t, "the dispatcher should still be attached");
	printf("    (refused; the dispatcher is still attached)\n");

	step("Unplug the dropping program");
	if (pn_iface__unplug(t.iface, drop))
		die(&t, "unplug");
	run(&t);

	step("The agent restarts: its file descriptors close, the pins keep everything running, "
	     "and a new engine adopts the interface");
	pn_engine__free(t.engine);
	t.engine = NULL;
	t.iface = NULL;
	if (pn_engine__new(t.pin_root, &t.engine))
		die(&t, "new engine");
	ref.netns_fd = t.nsfd;
	if (pn_engine__adopt(t.engine, &ref, &t.iface))
		die(&t, "adopt");
	show(&t);
	run(&t);

	step("Remove the dispatcher (interface teardown)");
	tl_iface_teardown(&t);
	printf("    done\n\nplugnet demo: OK\n");
	return 0;
}
