/* dev/uart16550.c: the COM1 serial port, a National Semiconductor 16550A
 * UART as the PC has it (PC16550D data sheet register set). Output only:
 * bytes written to THR go to stdout (or the -serial file) at once, so the
 * transmitter is always empty; no input arrives, except what loopback mode
 * sends to itself. The IRQ line (ISA IRQ 4) is not wired yet.
 *
 * A -serial file is opened only once the inputs are read (main.c calls
 * uart_open_output() after loading, and the first byte opens it if nobody
 * did), so that an output that names an input cannot destroy it first. A
 * failed open or write ends the run with status 1 and one message. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "debug/reverse.h"
#include "dev/dev.h"
#include "dev/devpriv.h"

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
#define MCR_LOOP   BIT(4)
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
};

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

static void uart_transmit(struct uart *u, u8 byte)
{
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

static u64 uart_read(void *opaque, u64 off, unsigned size)
{
	struct uart *u = opaque;
	u8 v;

	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		v = u->rbr;
		u->lsr &= ~LSR_DR;
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
}

void uart_init(struct machine *m, u16 base)
{
	struct uart *u = dev_state_new(m, sizeof(*u), "uart16550", &uart_snap);

	u->m = m;
	u->base = base;
	u->out = m->cfg.serial_path ? NULL : stdout; /* see uart_open_output() */
	u->lsr = LSR_THRE | LSR_TEMT;
	u->thr_int = true;
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
}
