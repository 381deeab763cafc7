/* dev/uart16550.c: the COM1 serial port, a National Semiconductor 16550A
 * UART as the PC has it (PC16550D data sheet register set). Output only:
 * bytes written to THR go to stdout (or the -serial file) at once, so the
 * transmitter is always empty; no input arrives, except what loopback mode
 * sends to itself. The interrupt output drives ISA IRQ 4 through MCR OUT2
 * (the PC's serial adapter gates its IRQ driver with OUT2). */
#include <stdio.h>

#include "base/log.h"
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
	FILE *out;
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
		fputc(byte, u->out);
		fflush(u->out);
	}
	/* the byte leaves at once: THR (and the shift register) empty again */
	u->thr_int = true;
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

void uart_init(struct machine *m, u16 base)
{
	struct uart *u = dev_state_new(m, sizeof(*u), "uart16550", &uart_snap);

	u->m = m;
	u->base = base;
	u->out = stdout;
	if (m->cfg.serial_path) {
		u->out = fopen(m->cfg.serial_path, "w");
		if (!u->out)
			die("cannot open serial output file '%s'", m->cfg.serial_path);
	}
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
