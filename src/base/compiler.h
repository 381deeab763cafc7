/* base/compiler.h: compiler attributes, spelled once. */
#ifndef NESTBOX_BASE_COMPILER_H
#define NESTBOX_BASE_COMPILER_H

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define noreturn_fn __attribute__((noreturn))
#define cold_fn     __attribute__((cold))
#define must_check  __attribute__((warn_unused_result))
#define always_inline inline __attribute__((always_inline))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x)   ((void)(x))

#endif
