// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "rcu_barrier.h"
#include "retire.h"

struct work {
	struct work *next;
	void (*fn)(void *arg);
	void *arg;
};

struct pn_retire {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* work queued, or stop */
	pthread_cond_t done; /* a batch finished */
	struct work *head, **tail;
	unsigned long queued, finished; /* works ever queued / run */
	bool stop;
	struct pn_rcu_barrier *rcu;
	/* The wait for a grace period: the RCU barrier's unless a test replaced it. */
	int (*wait)(void *arg);
	void *wait_arg;
};

static int rcu_wait(void *arg)
{
	return pn_rcu_barrier__wait(arg);
}

static void grace_period(struct pn_retire *r)
{
	int (*wait)(void *arg);
	void *arg;
	int err;

	pthread_mutex_lock(&r->lock);
	wait = r->wait;
	arg = r->wait_arg;
	pthread_mutex_unlock(&r->lock);
	err = wait(arg);

	if (err)
		pr_warn("cannot wait for an RCU grace period (%s); releasing anyway",
			strerror(-err));
}

static void *retire_thread(void *arg)
{
	struct pn_retire *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct work *batch;
		unsigned long n = 0;

		while (!r->head && !r->stop)
			pthread_cond_wait(&r->wake, &r->lock);
		if (!r->head)
			break;
		batch = r->head;
		r->head = NULL;
		r->tail = &r->head;
		pthread_mutex_unlock(&r->lock);

		/* Everything in the batch was queued before this wait began. */
		grace_period(r);
		while (batch) {
			struct work *w = batch;

			batch = w->next;
			w->fn(w->arg);
			free(w);
			n++;
		}

		pthread_mutex_lock(&r->lock);
		r->finished += n;
		pthread_cond_broadcast(&r->done);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int pn_retire__new(struct pn_retire **retirep)
{
	struct pn_retire *r = calloc(1, sizeof(*r));
	sigset_t all, old;
	int err;

	if (!r)
		return -ENOMEM;
	r->tail = &r->head;
	err = pn_rcu_barrier__new(&r->rcu);
	if (err)
		goto err_free;
	r->wait = rcu_wait;
	r->wait_arg = r->rcu;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	pthread_cond_init(&r->done, NULL);
	/* Signals are the agent's main loop's business, never this thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = -pthread_create(&r->thread, NULL, retire_thread, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto err_destroy;
	*retirep = r;
	return 0;
err_destroy:
	pthread_cond_destroy(&r->done);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	pn_rcu_barrier__free(r->rcu);
err_free:
	free(r);
	return err;
}

void pn_retire__free(struct pn_retire *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->done);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	pn_rcu_barrier__free(r->rcu);
	free(r);
}

void pn_retire__defer(struct pn_retire *r, void (*fn)(void *arg), void *arg)
{
	struct work *w = malloc(sizeof(*w));

	if (!w) {
		grace_period(r);
		fn(arg);
		return;
	}
	w->next = NULL;
	w->fn = fn;
	w->arg = arg;
	pthread_mutex_lock(&r->lock);
	*r->tail = w;
	r->tail = &w->next;
	r->queued++;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

void pn_retire__drain(struct pn_retire *r)
{
	unsigned long target;

	pthread_mutex_lock(&r->lock);
	target = r->queued;
	while (r->finished < target)
		pthread_cond_wait(&r->done, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

void pn_retire__set_grace_period(struct pn_retire *r, int (*wait)(void *arg), void *arg)
{
	pthread_mutex_lock(&r->lock);
	r->wait = wait ? wait : rcu_wait;
	r->wait_arg = wait ? arg : r->rcu;
	pthread_mutex_unlock(&r->lock);
}
