/*
 * vsnprintf for the hypervisor. Freestanding and pure, so the host unit
 * tests compile this very file and compare it with the C library's printf.
 */
#include "format.h"

struct out {
	char *buf;
	size_t size;
	size_t len;             /* characters produced so far (may exceed size) */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

enum {
	F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ALT = 8, F_ZERO = 16,
};

static void put_number(struct out *o, unsigned long long v, bool negative,
		       unsigned base, bool upper, int flags, int width, int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	/* A zero value with precision 0 prints no digits (C99 7.19.6.1). */
	if (!(v == 0 && prec == 0)) {
		do {
			tmp[n++] = digits[v % base];
			v /= base;
		} while (v);
	}

	char sign = 0;
	if (negative)
		sign = '-';
	else if (flags & F_PLUS)
		sign = '+';
	else if (flags & F_SPACE)
		sign = ' ';

	const char *prefix = "";
	if ((flags & F_ALT) && base == 16 && n > 0 && !(n == 1 && tmp[0] == '0'))
		prefix = upper ? "0X" : "0x";
	/* '#' with octal forces a leading zero digit. */
	int zeros = prec > n ? prec - n : 0;
	if ((flags & F_ALT) && base == 8 && zeros == 0 && (n == 0 || tmp[n - 1] != '0'))
		zeros = 1;

	int plen = 0;
	while (prefix[plen])
		plen++;
	int body = (sign ? 1 : 0) + plen + zeros + n;
	int fill = width > body ? width - body : 0;

	/* The '0' flag is ignored with '-' or with an explicit precision. */
	bool zero_fill = (flags & F_ZERO) && !(flags & F_LEFT) && prec < 0;
	if (zero_fill) {
		zeros += fill;
		fill = 0;
	}
	if (!(flags & F_LEFT))
		pad(o, ' ', fill);
	if (sign)
		put(o, sign);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	pad(o, '0', zeros);
	while (n > 0)
		put(o, tmp[--n]);
	if (flags & F_LEFT)
		pad(o, ' ', fill);
}

static void put_string(struct out *o, const char *s, int flags, int width, int prec)
{
	if (!s)
		s = "(null)";
	int len = 0;
	while (s[len] && (prec < 0 || len < prec))
		len++;
	if (!(flags & F_LEFT))
		pad(o, ' ', width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (flags & F_LEFT)
		pad(o, ' ', width - len);
}

enum length { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE };

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		const char *start = p++;
		int flags = 0, width = 0, prec = -1;

		for (;; p++) {
			if (*p == '-') flags |= F_LEFT;
			else if (*p == '+') flags |= F_PLUS;
			else if (*p == ' ') flags |= F_SPACE;
			else if (*p == '#') flags |= F_ALT;
			else if (*p == '0') flags |= F_ZERO;
			else break;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				/* -INT_MIN overflows: clamp to something printable */
				width = width == (-2147483647 - 1) ? 4096 : -width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9') {
				if (width < 100000)     /* no overflow on absurd widths */
					width = width * 10 + (*p - '0');
				p++;
			}
		}
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				p++;
			} else {
				while (*p >= '0' && *p <= '9') {
					if (prec < 100000)
						prec = prec * 10 + (*p - '0');
					p++;
				}
			}
		}

		enum length len = L_INT;
		if (*p == 'h') {
			len = L_SHORT;
			if (*++p == 'h') { len = L_CHAR; p++; }
		} else if (*p == 'l') {
			len = L_LONG;
			if (*++p == 'l') { len = L_LLONG; p++; }
		} else if (*p == 'z' || *p == 't') {
			len = L_SIZE;
			p++;
		} else if (*p == 'j') {
			len = L_LLONG;
			p++;
		}

		switch (*p) {
		case 'd':
		case 'i': {
			long long v;
			switch (len) {
			case L_LLONG: v = va_arg(ap, long long); break;
			case L_LONG:  v = va_arg(ap, long); break;
			case L_SIZE:  v = (ptrdiff_t)va_arg(ap, ptrdiff_t); break;
			case L_SHORT: v = (short)va_arg(ap, int); break;
			case L_CHAR:  v = (signed char)va_arg(ap, int); break;
			default:      v = va_arg(ap, int); break;
			}
			unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
			put_number(&o, mag, v < 0, 10, false, flags, width, prec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			unsigned long long v;
			switch (len) {
			case L_LLONG: v = va_arg(ap, unsigned long long); break;
			case L_LONG:  v = va_arg(ap, unsigned long); break;
			case L_SIZE:  v = va_arg(ap, size_t); break;
			case L_SHORT: v = (unsigned short)va_arg(ap, unsigned int); break;
			case L_CHAR:  v = (unsigned char)va_arg(ap, unsigned int); break;
			default:      v = va_arg(ap, unsigned int); break;
			}
			unsigned base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
			/* '+' and ' ' apply to signed conversions only. */
			put_number(&o, v, false, base, *p == 'X', flags & ~(F_PLUS | F_SPACE),
				   width, prec);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			put_number(&o, v, false, 16, false, F_ALT | (flags & F_LEFT), width, -1);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - 1);
			put(&o, c);
			if (flags & F_LEFT)
				pad(&o, ' ', width - 1);
			break;
		}
		case 's':
			put_string(&o, va_arg(ap, const char *), flags, width, prec);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown or truncated conversion: copy it through as text. */
			for (const char *q = start; q <= p && *q; q++)
				put(&o, *q);
			if (!*p)
				p--;
			break;
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
