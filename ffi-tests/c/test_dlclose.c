/* dlclose() must never unmap kafkabridge while its background threads run (PHP frees a
 * non-preloaded FFI object at request end). The library is linked with -z nodelete; this program
 * loads it with dlopen() only, starts a client, closes the library and checks it stayed mapped
 * and still works. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

typedef int32_t (*config_new_fn)(void **);
typedef int32_t (*config_set_fn)(void *, const char *, const char *);
typedef int32_t (*free_fn)(void *);
typedef int32_t (*producer_new_fn)(const void *, void **);

#define CHECK(cond) do { if (cond) passed++; else { failed++; fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)

int main(void) {
    int passed = 0, failed = 0;
    void *lib = dlopen(KB_LIB, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen %s: %s\n", KB_LIB, dlerror());
        return 1;
    }
    config_new_fn config_new = (config_new_fn)dlsym(lib, "kb_config_new");
    config_set_fn config_set = (config_set_fn)dlsym(lib, "kb_config_set");
    free_fn config_free = (free_fn)dlsym(lib, "kb_config_free");
    producer_new_fn producer_new = (producer_new_fn)dlsym(lib, "kb_producer_new");
    free_fn producer_free = (free_fn)dlsym(lib, "kb_producer_free");
    CHECK(config_new && config_set && config_free && producer_new && producer_free);
    if (failed) return 1;

    void *conf = NULL, *producer = NULL;
    CHECK(config_new(&conf) == 0);
    /* Nothing listens there: librdkafka's threads keep reconnecting in the background. */
    CHECK(config_set(conf, "bootstrap.servers", "127.0.0.1:1") == 0);
    CHECK(config_set(conf, "bridge.close.timeout.ms", "100") == 0);
    CHECK(producer_new(conf, &producer) == 0);

    CHECK(dlclose(lib) == 0);
    CHECK(dlopen(KB_LIB, RTLD_NOW | RTLD_NOLOAD) != NULL); /* still mapped */
    /* The code our threads run is still there; the old function pointers still work. */
    CHECK(producer_free(producer) == 0);
    CHECK(config_free(conf) == 0);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
