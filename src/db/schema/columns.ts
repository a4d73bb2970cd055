import { timestamp } from 'drizzle-orm/pg-core';

/** A point in time, stored with its time zone and read as a Date. */
export const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** `created_at` set by the database. */
export const createdAt = () => instant('created_at').notNull().defaultNow();
