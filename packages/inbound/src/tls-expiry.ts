/**
 * The validity of the certificate an endpoint serves (`tls.cert`), read once at start (`certificateWindow` of the
 * codec): whether it is outside its validity at a moment (a failed handshake's line then says so, as every client
 * refuses it while this side sees a bare close), a one-time warning when it expires while the endpoint runs (the files
 * are read once: a new certificate needs a restart), and its expiry time for the metrics.
 */
import type { Logger } from 'pino';
import { certificateWindow, type CertificateWindow } from '@iso8583/codec/tls-material';
import { logSafely } from './safe-log.js';
import { TLS_CERT_VALIDITY, tlsStartWarnings } from './tls-start-warnings.js';
import type { InboundTlsOptions } from './tls-options.js';

/** The longest delay `setTimeout` takes (2^31 - 1 ms, about 24.8 days); a longer wait is made of several. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** The certificate an endpoint serves, its validity read once (see the file's comment). */
export class ServedCertificate {
  readonly #tls: Pick<InboundTlsOptions, 'cert'>;
  readonly #window: CertificateWindow | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(tls: Pick<InboundTlsOptions, 'cert'>) {
    this.#tls = tls;
    this.#window = certificateWindow(tls.cert);
  }

  /** When the certificate (the earliest of its chain) expires, in seconds since the epoch; undefined when unreadable. */
  get expirySeconds(): number | undefined {
    return this.#window === undefined ? undefined : this.#window.notAfter.getTime() / 1000;
  }

  /**
   * Why every client refuses the certificate at `now` (`tls.cert: the certificate expired on DATE: peers refuse it
   * (CERT_HAS_EXPIRED)`), or undefined while it is valid: two comparisons, the words made only when it is not.
   */
  outsideValidity(now = Date.now()): string | undefined {
    const w = this.#window;
    if (w === undefined || (now >= w.notBefore.getTime() && now <= w.notAfter.getTime())) return undefined;
    return tlsStartWarnings({ cert: this.#tls.cert }).find((x) => x.fields.field === 'tls.cert')?.text;
  }

  /**
   * Warns once on `logger` (`ISO8583_WARN_TLS_CERT_VALIDITY`, field `tls.cert`) when the certificate expires while the
   * endpoint runs; nothing when it has expired already (the start warning said it) or cannot be read. An unref'd timer
   * (it never holds the process), in steps of at most {@link MAX_TIMER_DELAY}; {@link ServedCertificate.stop} clears it.
   */
  watch(logger: Logger): void {
    const notAfter = this.#window?.notAfter.getTime();
    if (notAfter === undefined || Date.now() > notAfter) return;
    const arm = (): void => {
      const left = notAfter - Date.now();
      this.#timer = setTimeout(() => {
        if (Date.now() <= notAfter) {
          arm();
          return;
        }
        this.#timer = undefined;
        const text = this.outsideValidity() ?? 'tls.cert: the certificate has expired: peers refuse it (CERT_HAS_EXPIRED)';
        logSafely(() => logger.warn({ code: TLS_CERT_VALIDITY, field: 'tls.cert' }, `${text} (expired while running: replace the files and restart)`));
      }, Math.min(Math.max(left + 1, 1), MAX_TIMER_DELAY));
      this.#timer.unref();
    };
    arm();
  }

  /** Clears the timer of {@link ServedCertificate.watch}. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
