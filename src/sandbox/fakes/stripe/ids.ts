const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Makes ids shaped like Stripe's (`cus_` + 14 characters); deterministic when `random` is. */
export class IdGenerator {
  constructor(private readonly random: () => number) {}

  token(length: number): string {
    let out = '';
    for (let i = 0; i < length; i += 1) out += ALPHABET[Math.floor(this.random() * ALPHABET.length)] ?? '0';
    return out;
  }

  next(prefix: string, length = 14): string {
    return `${prefix}_${this.token(length)}`;
  }

  /** An invoice number prefix such as `7FE1103A`: upper-case letters and digits. */
  invoicePrefix(): string {
    let out = '';
    for (let i = 0; i < 8; i += 1) out += ALPHABET[Math.floor(this.random() * 36)] ?? '0';
    return out;
  }
}
