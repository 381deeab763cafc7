/* tests/guest/lib/printf.c: COM1 output, a small printf, and string helpers. */
#include "guest.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20

void serial_init(void);
void serial_init(void)
{
	outb(0x00, COM1 + UART_IER);
	outb(0x80, COM1 + UART_LCR); /* DLAB */
	outb(0x01, COM1 + 0);        /* divisor 1: 115200 baud */
	outb(0x00, COM1 + 1);
	outb(0x03, COM1 + UART_LCR); /* 8N1 */
	outb(0x07, COM1 + UART_FCR);
	outb(0x03, COM1 + UART_MCR); /* DTR | RTS */
}

void serial_putc(char c)
{
	int spins = 1000000;

	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE) && --spins)
		cpu_relax();
	outb(c, COM1 + UART_THR);
}

void puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

struct out {
	char *buf;
	size_t size, n;
};

static void out_c(struct out *o, char c)
{
	if (o->n + 1 < o->size)
		o->buf[o->n] = c;
	o->n++;
}

static void out_num(struct out *o, u64 v, int base, bool neg, int width, char pad, bool left,
		    bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int len = 0, total;

	do {
		tmp[len++] = digits[v % base];
		v /= base;
	} while (v);
	total = len + neg;
	if (neg && pad == '0')
		out_c(o, '-');
	if (!left)
		for (; total < width; total++)
			out_c(o, pad);
	if (neg && pad != '0')
		out_c(o, '-');
	while (len)
		out_c(o, tmp[--len]);
	if (left)
		for (; total < width; total++)
			out_c(o, ' ');
}

static void out_str(struct out *o, const char *s, int width, bool left, int prec)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len] && (prec < 0 || len < prec))
		len++;
	if (!left)
		for (int i = len; i < width; i++)
			out_c(o, ' ');
	for (int i = 0; i < len; i++)
		out_c(o, s[i]);
	if (left)
		for (int i = len; i < width; i++)
			out_c(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		char pad = ' ';
		bool left = false, alt = false;
		int width = 0, prec = -1, lng = 0;

		for (fmt++; *fmt == '0' || *fmt == '-' || *fmt == '#'; fmt++) {
			if (*fmt == '0')
				pad = '0';
			else if (*fmt == '-')
				left = true;
			else
				alt = true;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			prec = 0;
			for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		}
		for (; *fmt == 'l' || *fmt == 'z' || *fmt == 'h'; fmt++)
			if (*fmt != 'h')
				lng++;
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);
			out_num(&o, v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad, left, false);
			break;
		}
		case 'u':
			out_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, false, width,
				pad, left, false);
			break;
		case 'x':
		case 'X':
			if (alt) {
				out_c(&o, '0');
				out_c(&o, *fmt);
			}
			out_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, false, width,
				pad, left, *fmt == 'X');
			break;
		case 'o':
			out_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 8, false, width,
				pad, left, false);
			break;
		case 'p':
			out_c(&o, '0');
			out_c(&o, 'x');
			out_num(&o, (u64)va_arg(ap, void *), 16, false, width, pad, left, false);
			break;
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case 's':
			out_str(&o, va_arg(ap, const char *), width, left, prec);
			break;
		case '%':
			out_c(&o, '%');
			break;
		case 0:
			fmt--;
			break;
		default:
			out_c(&o, '%');
			out_c(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.n < size ? o.n : size - 1] = 0;
	return (int)o.n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static struct spinlock print_lock;

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	spin_lock(&print_lock);
	puts(buf);
	spin_unlock(&print_lock);
	return n;
}

void *memset(void *s, int c, size_t n)
{
	u8 *p = s;

	while (n--)
		*p++ = (u8)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;

	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = 10;
	}
	for (;; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * base + d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

long atol(const char *s)
{
	bool neg = *s == '-';

	if (neg || *s == '+')
		s++;
	long v = (long)strtoul(s, NULL, 10);
	return neg ? -v : v;
}
