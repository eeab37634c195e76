// SPDX-License-Identifier: Apache-2.0
/*
 * plugnet-slot: the small client a container runs to plug, list and unplug
 * its own programs through plugnetd's workload socket (docs/client.md).
 *
 *   plugnet-slot [--socket PATH] plug PROGRAM [--target T] [--priority N]
 *                [--proceed-on LIST]
 *   plugnet-slot [--socket PATH] unplug SLOT_ID
 *   plugnet-slot [--socket PATH] list
 *
 * It is linked statically, since a container image may hold nothing but a
 * busybox: no libc.so, no libcurl. Debian ships no static cJSON and
 * libcurl's static link pulls in some fifteen libraries (TLS, LDAP,
 * Kerberos, SSH...) for one local request, so the HTTP here is written by
 * hand: one HTTP/1.1 request over AF_UNIX with `Connection: close` and a
 * Content-Length, then the whole response read to EOF (bounded), its
 * status line, headers (Content-Length or chunked) and body. plugnetd is
 * who decides what the caller may do: it recognises the container by the
 * netns of the connecting process, never by anything in the request.
 *
 * Exit status: 0 when plugnetd answered 2xx (the body on stdout), 1 when
 * it answered anything else (its message on stderr), 2 on a usage error,
 * 3 when the socket could not be reached or the answer not read.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/plugnet/plugnet.sock"
#define MAX_RESPONSE   (1024 * 1024)
#define MAX_BODY       4096
#define TIMEOUT_S      60

#define EXIT_REFUSED 1
#define EXIT_USAGE   2
#define EXIT_IO      3

static const char usage_text[] =
	"usage: plugnet-slot [--socket PATH] COMMAND [ARGS]\n"
	"\n"
	"Plug, list and unplug this container's programs through plugnetd's\n"
	"workload socket. plugnetd knows the container by its network namespace.\n"
	"\n"
	"commands:\n"
	"  plug PROGRAM [--target T] [--priority N] [--proceed-on LIST]\n"
	"        plug the catalog program PROGRAM; prints the slot (JSON).\n"
	"        T is pod (the default), host or uplink:IFNAME; LIST is\n"
	"        comma-separated XDP verdicts (e.g. pass or pass,tx).\n"
	"  unplug SLOT_ID\n"
	"        unplug one of this container's slots (its \"id\").\n"
	"  list  this container's slots (JSON).\n"
	"\n"
	"options:\n"
	"  --socket PATH  plugnetd's workload socket (default " DEFAULT_SOCKET ")\n"
	"  -h, --help     this help\n"
	"\n"
	"Exit status: 0 done, 1 plugnetd refused (its message on stderr),\n"
	"2 usage, 3 the socket could not be reached or its answer not read.\n";

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("plugnet-slot: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see plugnet-slot --help)\n", stderr);
	exit(EXIT_USAGE);
}

/* A growable byte buffer, bounded by MAX_RESPONSE; always NUL-terminated. */
struct buf {
	char *data;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (n > MAX_RESPONSE - b->len)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return -1;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static int buf_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* s as a JSON string, quotes included. */
static int buf_json_str(struct buf *b, const char *s)
{
	char esc[8];

	if (buf_str(b, "\""))
		return -1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			if (buf_add(b, esc, 2))
				return -1;
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			if (buf_str(b, esc))
				return -1;
		} else if (buf_add(b, s, 1)) {
			return -1;
		}
	}
	return buf_str(b, "\"");
}

struct response {
	int status;
	const char *body; /* into the response buffer, NUL-terminated */
	size_t body_len;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Decode a chunked body in place; -1 if it is malformed or truncated. */
static int dechunk(char *body, size_t len, size_t *out_len)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *end;
		unsigned long size;
		char *line = body + in;
		char *crlf = memmem(line, len - in, "\r\n", 2);

		if (!crlf)
			return -1;
		errno = 0;
		size = strtoul(line, &end, 16);
		if (errno || end == line || (*end != '\r' && *end != ';'))
			return -1;
		in = (size_t)(crlf - body) + 2;
		if (size == 0)
			break;
		if (size > len - in || len - in - size < 2 || memcmp(body + in + size, "\r\n", 2))
			return -1;
		memmove(body + out, body + in, size);
		out += size;
		in += size + 2;
	}
	body[out] = '\0';
	*out_len = out;
	return 0;
}

/* The value of header NAME in the header block [h, end), or NULL. */
static const char *header(const char *h, const char *end, const char *name, size_t *vlen)
{
	size_t n = strlen(name);

	while (h < end) {
		const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2);

		if (!eol)
			eol = end;
		if ((size_t)(eol - h) > n && !strncasecmp(h, name, n) && h[n] == ':') {
			const char *v = h + n + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			return v;
		}
		h = eol + 2;
	}
	return NULL;
}

/*
 * One request to plugnetd on SOCK; fills *resp (pointing into *raw). On an
 * error prints it, naming the socket and the request, and returns -1.
 */
static int request(const char *sock, const char *method, const char *path, const char *body,
		   struct buf *raw, struct response *resp)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = TIMEOUT_S};
	struct buf req = {0};
	char chunk[4096], lenbuf[32];
	const char *what = NULL, *hdr_end, *v;
	size_t vlen;
	int fd = -1, err = 0;

	if (strlen(sock) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "plugnet-slot: %s %s: socket path %s is too long\n", method, path,
			sock);
		return -1;
	}
	strcpy(addr.sun_path, sock);

	snprintf(lenbuf, sizeof(lenbuf), "%zu", body ? strlen(body) : 0);
	if (buf_str(&req, method) || buf_str(&req, " ") || buf_str(&req, path) ||
	    buf_str(&req, " HTTP/1.1\r\nHost: plugnet\r\nUser-Agent: plugnet-slot\r\n"
			  "Accept: application/json\r\nConnection: close\r\n") ||
	    (body && buf_str(&req, "Content-Type: application/json\r\n")) ||
	    buf_str(&req, "Content-Length: ") || buf_str(&req, lenbuf) ||
	    buf_str(&req, "\r\n\r\n") || (body && buf_str(&req, body))) {
		fprintf(stderr, "plugnet-slot: %s %s: out of memory\n", method, path);
		free(req.data);
		return -1;
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		what = "socket";
		goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		what = "setsockopt";
		goto fail;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		what = "connect";
		goto fail;
	}
	if (write_all(fd, req.data, req.len)) {
		what = "send";
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			what = errno == EAGAIN ? "read (timed out)" : "read";
			goto fail;
		}
		if (r == 0)
			break;
		if (buf_add(raw, chunk, (size_t)r)) {
			fprintf(stderr, "plugnet-slot: %s %s on %s: answer larger than %d bytes\n",
				method, path, sock, MAX_RESPONSE);
			goto out;
		}
	}
	close(fd);
	fd = -1;
	free(req.data);
	req.data = NULL;

	if (!raw->data || sscanf(raw->data, "HTTP/1.%*1[01] %3d", &resp->status) != 1 ||
	    resp->status < 100 || resp->status > 599) {
		fprintf(stderr, "plugnet-slot: %s %s on %s: not an HTTP answer\n", method, path,
			sock);
		return -1;
	}
	hdr_end = strstr(raw->data, "\r\n\r\n");
	if (!hdr_end) {
		fprintf(stderr,
			"plugnet-slot: %s %s on %s: answer without the end of its headers\n",
			method, path, sock);
		return -1;
	}
	resp->body = hdr_end + 4;
	resp->body_len = raw->len - (size_t)(resp->body - raw->data);
	v = header(raw->data, hdr_end + 2, "Transfer-Encoding", &vlen);
	if (v && vlen == 7 && !strncasecmp(v, "chunked", 7)) {
		if (dechunk(raw->data + (resp->body - raw->data), resp->body_len,
			    &resp->body_len)) {
			fprintf(stderr, "plugnet-slot: %s %s on %s: malformed chunked body\n",
				method, path, sock);
			return -1;
		}
	} else if ((v = header(raw->data, hdr_end + 2, "Content-Length", &vlen))) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno || end == v || n > resp->body_len) {
			fprintf(stderr,
				"plugnet-slot: %s %s on %s: body shorter than its Content-Length\n",
				method, path, sock);
			return -1;
		}
		resp->body_len = (size_t)n;
		raw->data[resp->body - raw->data + (ptrdiff_t)n] = '\0';
	}
	return 0;

fail:
	err = errno;
	fprintf(stderr, "plugnet-slot: %s %s: %s %s: %s\n", method, path, what, sock,
		strerror(err));
out:
	if (fd >= 0)
		close(fd);
	free(req.data);
	return -1;
}

/*
 * The "message" string of plugnetd's error document, unescaped (\uXXXX
 * beyond ASCII left as is), in a static buffer; NULL if there is none.
 */
static const char *error_message(const char *body)
{
	static char msg[MAX_BODY];
	const char *p = strstr(body, "\"message\"");
	size_t n = 0;

	if (!p)
		return NULL;
	p += strlen("\"message\"");
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"' && n < sizeof(msg) - 1) {
		if (*p == '\\' && p[1]) {
			p++;
			switch (*p) {
			case 'n':
				msg[n++] = '\n';
				break;
			case 't':
				msg[n++] = '\t';
				break;
			case 'u':
				msg[n++] = '?';
				for (int i = 0; i < 4 && p[1]; i++)
					p++;
				break;
			default:
				msg[n++] = *p;
			}
			p++;
		} else {
			msg[n++] = *p++;
		}
	}
	msg[n] = '\0';
	return msg;
}

/* Run one request; print the body (2xx) or the error. */
static int run(const char *sock, const char *method, const char *path, const char *body)
{
	struct buf raw = {0};
	struct response resp = {0};
	int rc;

	if (request(sock, method, path, body, &raw, &resp)) {
		free(raw.data);
		return EXIT_IO;
	}
	if (resp.status >= 200 && resp.status < 300) {
		fwrite(resp.body, 1, resp.body_len, stdout);
		if (resp.body_len && resp.body[resp.body_len - 1] != '\n')
			putchar('\n');
		rc = fflush(stdout) ? EXIT_IO : 0;
	} else {
		const char *msg = error_message(resp.body);
		size_t mlen = strlen(method), plen = strlen(path);

		/* plugnetd's messages name the request already: say it once. */
		if (msg && !strncmp(msg, method, mlen) && msg[mlen] == ' ' &&
		    !strncmp(msg + mlen + 1, path, plen) && msg[mlen + 1 + plen] == ':')
			fprintf(stderr, "plugnet-slot: %d: %s\n", resp.status, msg);
		else
			fprintf(stderr, "plugnet-slot: %s %s: %d: %s\n", method, path, resp.status,
				msg ? msg : resp.body);
		rc = EXIT_REFUSED;
	}
	free(raw.data);
	return rc;
}

static int cmd_plug(const char *sock, int argc, char **argv)
{
	static const struct option opts[] = {
		{"target", required_argument, NULL, 't'},
		{"priority", required_argument, NULL, 'p'},
		{"proceed-on", required_argument, NULL, 'o'},
		{0},
	};
	const char *target = NULL, *proceed_on = NULL;
	long priority = -1;
	struct buf body = {0};
	char num[32];
	int c, rc;

	optind = 0; /* glibc: start over, at argv[1] */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 't':
			target = optarg;
			break;
		case 'o':
			proceed_on = optarg;
			break;
		case 'p':
			errno = 0;
			priority = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || priority < 0 || priority > INT_MAX)
				die_usage("plug: --priority '%s' is not a non-negative number",
					  optarg);
			break;
		default:
			die_usage("plug: unknown option");
		}
	}
	if (argc - optind != 1)
		die_usage("plug takes one PROGRAM");

	if (buf_str(&body, "{\"program\": ") || buf_json_str(&body, argv[optind]) ||
	    (target && (buf_str(&body, ", \"target\": ") || buf_json_str(&body, target))) ||
	    (proceed_on &&
	     (buf_str(&body, ", \"proceed_on\": ") || buf_json_str(&body, proceed_on))))
		goto nomem;
	if (priority >= 0) {
		snprintf(num, sizeof(num), ", \"priority\": %ld", priority);
		if (buf_str(&body, num))
			goto nomem;
	}
	if (buf_str(&body, "}") || body.len > MAX_BODY) {
		free(body.data);
		die_usage("plug: the request is too long");
	}
	rc = run(sock, "POST", "/v1/slots", body.data);
	free(body.data);
	return rc;
nomem:
	free(body.data);
	fputs("plugnet-slot: out of memory\n", stderr);
	return EXIT_IO;
}

static int cmd_unplug(const char *sock, int argc, char **argv)
{
	char path[256];
	const char *id;

	if (argc != 2)
		die_usage("unplug takes one SLOT_ID");
	id = argv[1];
	/* A slot id is <netns>-<ifindex>-<attach id>: digits and dashes. */
	if (!*id || strspn(id, "0123456789-") != strlen(id) || strlen(id) > 64)
		die_usage("unplug: '%s' is not a slot id (as plug or list print it)", id);
	snprintf(path, sizeof(path), "/v1/slots/%s", id);
	return run(sock, "DELETE", path, NULL);
}

static int cmd_list(const char *sock, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		die_usage("list takes no arguments");
	return run(sock, "GET", "/v1/slots", NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *sock = DEFAULT_SOCKET;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			die_usage("unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		die_usage("no command");
	if (!strcmp(argv[0], "plug"))
		return cmd_plug(sock, argc, argv);
	if (!strcmp(argv[0], "unplug"))
		return cmd_unplug(sock, argc, argv);
	if (!strcmp(argv[0], "list"))
		return cmd_list(sock, argc, argv);
	die_usage("unknown command '%s'", argv[0]);
}
