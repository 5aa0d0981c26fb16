/*
 * libsqlink_preload: libsqlink on every connection of a program whose SQLite you cannot add
 * code to (a dqlite node, any program linking the system's libsqlite3).
 *
 *     LD_PRELOAD=target/release/libsqlink_preload.so SQLINK_AUTOLOAD=md5,uuid dqlite-demo ...
 *
 * It wraps sqlite3_open, sqlite3_open16 and sqlite3_open_v2. At the first open it loads
 * libsqlink (SQLINK_LIBRARY, else libsqlink.so beside this file) and registers its entry
 * point with sqlite3_auto_extension, so SQLite initializes libsqlink on that connection and
 * every later one, which then loads the components SQLINK_AUTOLOAD lists.
 *
 * Why at the first open and not in a library constructor: sqlite3_auto_extension
 * initializes SQLite, after which sqlite3_config fails, and programs configure SQLite first
 * (go-dqlite sets its threading mode in its package init: "set single thread mode: bad
 * parameter or other API misuse" when registered earlier).
 *
 * Before returning from that first open it opens one in-memory connection, which runs
 * libsqlink's autoload: a configuration it refuses (a missing component, a grant the
 * operator did not allow) ends the process with that one message, rather than a node that
 * runs without the functions its queries call and answers "no such function" once it leads.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*open_fn)(const char *, sqlite3 **);
typedef int (*open16_fn)(const void *, sqlite3 **);
typedef int (*open_v2_fn)(const char *, sqlite3 **, int, const char *);

static open_fn real_open;
static open16_fn real_open16;
static open_v2_fn real_open_v2;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Say why and stop: the process must not go on without the extensions it was told to carry. */
static void fail(const char *what, const char *detail) {
	fprintf(stderr, "sqlink-preload: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	fflush(stderr);
	/* _exit, not exit: other threads (the program's, wasmtime's) are running, and exit's
	 * destructors would run under them. */
	_exit(1);
}

/* libsqlink's path: SQLINK_LIBRARY, else libsqlink.so in this file's directory. */
static void library_path(char *path, size_t size) {
	const char *given = getenv("SQLINK_LIBRARY");
	if (given && *given) {
		snprintf(path, size, "%s", given);
		return;
	}
	Dl_info self;
	if (!dladdr((void *)library_path, &self) || !self.dli_fname)
		fail("cannot find where libsqlink_preload.so is; set SQLINK_LIBRARY", NULL);
	snprintf(path, size, "%s", self.dli_fname);
	char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
	snprintf(path + dir, size - dir, "libsqlink.so");
}

static void setup(void) {
	real_open = (open_fn)dlsym(RTLD_NEXT, "sqlite3_open");
	real_open16 = (open16_fn)dlsym(RTLD_NEXT, "sqlite3_open16");
	real_open_v2 = (open_v2_fn)dlsym(RTLD_NEXT, "sqlite3_open_v2");
	if (!real_open || !real_open16 || !real_open_v2)
		fail("the program's SQLite has no sqlite3_open_v2 to wrap", NULL);

	char path[PATH_MAX];
	library_path(path, sizeof path);
	/* RTLD_LOCAL: libsqlink's symbols must not interpose on the program's. */
	void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!library)
		fail("cannot load libsqlink", dlerror());
	void *entry = dlsym(library, "sqlite3_sqlink_init");
	if (!entry)
		fail("no sqlite3_sqlink_init in", path);
	/* sqlite3_auto_extension takes the entry point as void(*)(void); SQLite calls it with
	 * the entry point's real arguments (connection, error slot, API table). */
	int rc = sqlite3_auto_extension((void (*)(void))entry);
	if (rc != SQLITE_OK)
		fail("sqlite3_auto_extension failed", sqlite3_errstr(rc));

	/* The configuration is checked now, once, on a connection of our own. */
	sqlite3 *probe = NULL;
	rc = real_open_v2(":memory:", &probe, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		char message[1024];
		snprintf(message, sizeof message, "%s", probe ? sqlite3_errmsg(probe) : sqlite3_errstr(rc));
		fail(message, NULL);
	}
	sqlite3_close(probe);
}

int sqlite3_open(const char *filename, sqlite3 **db) {
	pthread_once(&once, setup);
	return real_open(filename, db);
}

int sqlite3_open16(const void *filename, sqlite3 **db) {
	pthread_once(&once, setup);
	return real_open16(filename, db);
}

int sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs) {
	pthread_once(&once, setup);
	return real_open_v2(filename, db, flags, vfs);
}
