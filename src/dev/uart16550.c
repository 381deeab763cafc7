/* dev/uart16550.c: the COM1 serial port, a National Semiconductor 16550A
 * UART as the PC has it (PC16550D data sheet register set). Output only:
 * bytes written to THR go to stdout (or the -serial file) at once, so the
 * transmitter is always empty; no input arrives, except what loopback mode
 * sends to itself, or the host's keys with -serial mon:stdio. The interrupt
 * output drives ISA IRQ 4 through MCR OUT2 (the PC's serial adapter gates
 * its IRQ driver with OUT2).
 *
 * A -serial file is opened only once the inputs are read (main.c calls
 * uart_open_output() after loading, and the first byte opens it if nobody
 * did), so that an output that names an input cannot destroy it first. A
 * failed open or write ends the run with status 1 and one message.
 *
 * With `-serial mon:stdio` the receiver takes the host's standard input
 * (the terminal in raw mode): machine_run() polls it between rounds, and
 * blocks on it when every vCPU is idle. As in QEMU, Ctrl-A x ends the run
 * (status 0) and Ctrl-A a sends a Ctrl-A. Key presses arrive when the host
 * sees them, so an interactive run is not reproducible; without mon:stdio
 * nothing is read. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/log.h"
#include "debug/reverse.h"
#include "dev/dev.h"
#include "dev/devpriv.h"
#include "dev/irq.h"

/* register offsets from the base port */
enum {
	UART_RBR_THR = 0, /* DLAB=1: DLL */
	UART_IER = 1,     /* DLAB=1: DLM */
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define LCR_DLAB   BIT(7)
#define IER_ERBFI  BIT(0) /* received data available */
#define IER_ETBEI  BIT(1) /* transmitter holding register empty */
#define IIR_NO_INT 0x01
#define IIR_THRE   0x02
#define IIR_RDA    0x04
#define IIR_FIFO   0xc0   /* FIFOs enabled */
#define FCR_ENABLE BIT(0)
#define LSR_DR     BIT(0)
#define LSR_THRE   BIT(5)
#define LSR_TEMT   BIT(6)
#define MCR_OUT2   BIT(3)
#define MCR_LOOP   BIT(4)
#define UART_IRQ   4      /* COM1 */
/* MSR with nothing attached, as QEMU reports it: DCD, DSR and CTS active */
#define MSR_IDLE   0xb0

struct uart {
	struct dev_hdr hdr;
	struct machine *m;
	FILE *out;      /* NULL until opened (or after a write error) */
	bool out_failed; /* an open or write failed: reported, output dropped */
	u16 base;
	u8 rbr;         /* loopback receive buffer */
	u8 ier, fcr, lcr, mcr, lsr, scr;
	u8 dll, dlm;
	bool thr_int;   /* THRE interrupt condition latched (cleared by IIR read) */
	/* host input (-serial mon:stdio) */
	bool input;     /* stdin is read (until its end) */
	bool escape;    /* the last key was Ctrl-A */
	u8 in_len;      /* keys read from the host, not yet in RBR */
	u8 in_buf[64];
	u64 polled_ns;  /* virtual time of the last poll */
};

#define CTRL_A 0x01

/* What the writes can leave in the registers: IER keeps bits 3:0, FCR the
 * enable and trigger-level bits (7:6, 3, 0), MCR bits 4:0; LSR always has
 * THRE and TEMT (the byte leaves at once), DR only after a loopback byte. */
static const char *uart_check(const void *p, char *msg, size_t len)
{
	const struct uart *u = p;

	if (u->fcr & ~0xc9) {
		snprintf(msg, len, "%#x has bits the FCR write does not keep", u->fcr);
		return "fcr";
	}
	if (u->mcr & ~0x1f) {
		snprintf(msg, len, "%#x has bits above 4 set", u->mcr);
		return "mcr";
	}
	if ((u->lsr & ~LSR_DR) != (LSR_THRE | LSR_TEMT)) {
		snprintf(msg, len, "%#x: the transmitter is always empty (THRE and TEMT), only DR varies",
			 u->lsr);
		return "lsr";
	}
	return NULL;
}

static const struct snap_field uart_fields[] = {
	SNAP_DERIVED(struct uart, hdr, "construction (uart_init)"),
	SNAP_DERIVED(struct uart, m, "construction: the machine"),
	SNAP_DERIVED(struct uart, out, "host: stdout or the -serial file of the restoring process"),
	SNAP_DERIVED(struct uart, out_failed, "host: the output of the restoring process"),
	SNAP_DERIVED(struct uart, base, "construction: COM1's port (uart_init)"),
	SNAP_U8(struct uart, rbr),
	SNAP_U8_MAX(struct uart, ier, 0x0f),
	SNAP_U8(struct uart, fcr),
	SNAP_U8(struct uart, lcr),
	SNAP_U8(struct uart, mcr),
	SNAP_U8(struct uart, lsr),
	SNAP_U8(struct uart, scr),
	SNAP_U8(struct uart, dll),
	SNAP_U8(struct uart, dlm),
	SNAP_BOOL(struct uart, thr_int),
	SNAP_DERIVED(struct uart, input, "host: -serial mon:stdio of the restoring process"),
	SNAP_DERIVED(struct uart, escape, "host: terminal key state"),
	SNAP_DERIVED(struct uart, in_len, "host: keys not yet received are not part of the machine"),
	SNAP_DERIVED(struct uart, in_buf, "host: keys not yet received are not part of the machine"),
	SNAP_DERIVED(struct uart, polled_ns, "host: when stdin was last polled"),
};
SNAP_DESC(uart, 1, uart_fields, uart_check, NULL);

static u8 uart_iir(const struct uart *u)
{
	u8 fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	/* PC16550D "Interrupt Identification Register": received data has
	 * priority over THR empty */
	if ((u->ier & IER_ERBFI) && (u->lsr & LSR_DR))
		return fifo | IIR_RDA;
	if ((u->ier & IER_ETBEI) && u->thr_int)
		return fifo | IIR_THRE;
	return fifo | IIR_NO_INT;
}

/* the host output failed: say why once, drop the output, end the run */
static void uart_output_failed(struct uart *u, const char *what, int err)
{
	char msg[160];
	const char *path = u->m->cfg.serial_path ? u->m->cfg.serial_path : "stdout";

	if (u->out && u->out != stdout)
		fclose(u->out);
	u->out = NULL;
	u->out_failed = true;
	snprintf(msg, sizeof(msg), "serial output '%s': %s: %s", path, what, strerror(err));
	machine_end(u->m, RUN_ERROR, 1, msg);
}

int uart_open_output(struct machine *m)
{
	struct uart *u = m->uart;

	if (!u || u->out || u->out_failed)
		return u && u->out_failed ? -1 : 0;
	if (!m->cfg.serial_path) {
		u->out = stdout;
		return 0;
	}
	u->out = fopen(m->cfg.serial_path, "w");
	if (!u->out) {
		int err = errno;
		u->out_failed = true;
		fprintf(stderr, "nestbox: cannot open serial output file '%s': %s\n",
			m->cfg.serial_path, strerror(err));
		return -1;
	}
	return 0;
}

FILE *uart_detach_output(struct machine *m)
{
	struct uart *u = m->uart;
	FILE *f = u ? u->out : NULL;
	if (u)
		u->out = NULL;
	return f;
}

void uart_attach_output(struct machine *m, FILE *f)
{
	struct uart *u = m->uart;
	if (u && f) {
		if (u->out && u->out != stdout)
			fclose(u->out);
		u->out = f;
	}
}

static void uart_output(struct uart *u, u8 byte)
{
	if (rev_output_muted(u->m))
		return; /* a replay after a gdb rewind: this byte went out before */
	if (!u->out && !u->out_failed && uart_open_output(u->m) < 0) {
		machine_end(u->m, RUN_ERROR, 1, "");
		return;
	}
	if (!u->out)
		return;
	/* C11 "Files": a write error sets the stream's error indicator; the
	 * fflush reports what the kernel refused (ENOSPC on /dev/full) */
	if (fputc(byte, u->out) == EOF || fflush(u->out) == EOF)
		uart_output_failed(u, "write error", errno ? errno : EIO);
}

/* PC16550D "Interrupt Identification Register": INTR is active while IIR
 * shows a pending interrupt; the PC routes it to IRQ 4 only with OUT2 set
 * (in loopback mode OUT2 is looped back to DCD and INTR is cut off from
 * the pin) */
static void uart_update_irq(struct uart *u)
{
	bool intr = !(uart_iir(u) & IIR_NO_INT);
	isa_set_irq(u->m, UART_IRQ, intr && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP));
}

static void uart_transmit(struct uart *u, u8 byte)
{
	/* "THRE interrupt reset: writing into the THR": the line falls, and
	 * rises again below when the byte has left (an edge per byte) */
	u->thr_int = false;
	uart_update_irq(u);
	if (u->mcr & MCR_LOOP) {
		/* loopback: the transmitter output feeds the receiver */
		u->rbr = byte;
		u->lsr |= LSR_DR;
	} else {
		uart_output(u, byte);
	}
	/* the byte leaves at once: THR (and the shift register) empty again */
	u->thr_int = true;
}

/* move the oldest host key into RBR when the receiver is empty */
static void uart_next_key(struct uart *u)
{
	if (!u->in_len || (u->lsr & LSR_DR) || (u->mcr & MCR_LOOP))
		return;
	u->rbr = u->in_buf[0];
	memmove(u->in_buf, u->in_buf + 1, --u->in_len);
	u->lsr |= LSR_DR;
}

static u8 uart_read_reg(struct uart *u, u64 off)
{
	u8 v;

	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		v = u->rbr;
		u->lsr &= ~LSR_DR;
		uart_next_key(u);
		return v;
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR_FCR:
		v = uart_iir(u);
		if ((v & 0x0f) == IIR_THRE)
			u->thr_int = false;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return u->lsr;
	case UART_MSR:
		if (u->mcr & MCR_LOOP) {
			/* loopback: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2 */
			return ((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
			       ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4);
		}
		return MSR_IDLE;
	default:
		return u->scr;
	}
}

static u64 uart_read(void *opaque, u64 off, unsigned size)
{
	struct uart *u = opaque;
	u8 v = uart_read_reg(u, off);
	uart_update_irq(u); /* reading RBR or IIR can end the interrupt */
	return v;
}

static void uart_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct uart *u = opaque;
	u8 v = (u8)val;

	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			uart_transmit(u, v);
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
		} else {
			/* enabling ETBEI with THR empty raises the THRE condition */
			if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI))
				u->thr_int = true;
			u->ier = v & 0x0f;
		}
		break;
	case UART_IIR_FCR:
		/* FIFO reset bits 1-2 self-clear; keep enable and trigger level */
		u->fcr = v & 0xc9;
		if (v & BIT(1))
			u->lsr &= ~LSR_DR;
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* read-only (factory test writes are ignored) */
	default:
		u->scr = v;
		break;
	}
	uart_update_irq(u);
}

static struct termios saved_tty;
static bool tty_raw;

static void tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_raw = false;
}

/* the terminal delivers every key at once, unechoed, Ctrl-C included */
static void tty_make_raw(void)
{
	struct termios t;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	t = saved_tty;
	t.c_iflag &= ~(unsigned)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(unsigned)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
		tty_raw = true;
		atexit(tty_restore);
	}
}

static void uart_key(struct machine *m, struct uart *u, u8 k)
{
	if (u->escape) {
		u->escape = false;
		if (k == 'x') {
			machine_end(m, RUN_SHUTDOWN, 0, "Ctrl-A x: terminated");
			fprintf(stderr, "nestbox: terminated (Ctrl-A x)\r\n");
			return;
		}
		if (k != 'a')
			return; /* other escapes (QEMU's monitor commands): ignored */
		k = CTRL_A;
	} else if (k == CTRL_A) {
		u->escape = true;
		return;
	}
	if (u->in_len < sizeof(u->in_buf))
		u->in_buf[u->in_len++] = k;
}

bool uart_input_open(struct machine *m)
{
	return m->uart && m->uart->input;
}

int uart_poll_input(struct machine *m, int timeout_ms)
{
	struct uart *u = m->uart;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	u8 buf[32];

	if (!u || !u->input)
		return 0;
	u->polled_ns = m->clock.ns;
	if (u->in_len >= sizeof(u->in_buf) || poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	ssize_t n = read(STDIN_FILENO, buf, sizeof(u->in_buf) - u->in_len < sizeof(buf) ?
				     sizeof(u->in_buf) - u->in_len : sizeof(buf));
	if (n <= 0) {
		u->input = false; /* end of input: nothing more will come */
		return 0;
	}
	for (ssize_t i = 0; i < n; i++)
		uart_key(m, u, buf[i]);
	uart_next_key(u);
	uart_update_irq(u);
	return (int)n;
}

/* between busy rounds: look at stdin once per millisecond of virtual time */
void uart_poll_input_busy(struct machine *m)
{
	struct uart *u = m->uart;
	if (u && u->input && m->clock.ns - u->polled_ns >= 1000000)
		uart_poll_input(m, 0);
}

void uart_init(struct machine *m, u16 base)
{
	struct uart *u = dev_state_new(m, sizeof(*u), "uart16550", &uart_snap);

	u->m = m;
	u->base = base;
	u->out = m->cfg.serial_path ? NULL : stdout; /* see uart_open_output() */
	u->lsr = LSR_THRE | LSR_TEMT;
	u->thr_int = true;
	if (m->cfg.serial_input && !m->cfg.serial_path) {
		u->input = true;
		tty_make_raw();
	}
	m->uart = u;
	physmem_add_pio(&m->mem, base, 8, uart_read, uart_write, u, "uart16550");
}

void uart_close(struct machine *m)
{
	struct uart *u = m->uart;

	if (u && u->out && u->out != stdout)
		fclose(u->out);
	if (u)
		u->out = NULL;
	tty_restore();
}
