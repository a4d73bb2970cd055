import { describe, expect, it } from 'vitest';
import { readCustomerQuery } from '../../src/domain/customers.js';

describe('readCustomerQuery', () => {
  it('reads ids, emails and names', () => {
    expect(readCustomerQuery(' cus_DemoHalcyon ')).toEqual({ kind: 'id', id: 'cus_DemoHalcyon' });
    expect(readCustomerQuery('AP@Acme.example')).toEqual({ kind: 'email', email: 'ap@acme.example' });
    expect(readCustomerQuery('Acme')).toEqual({ kind: 'name', text: 'Acme' });
    expect(readCustomerQuery('   ')).toBeUndefined();
  });

  it('marks a name shorter than Stripe can search, counting characters as people see them', () => {
    expect(readCustomerQuery('ab')).toEqual({ kind: 'too_short', text: 'ab' });
    expect(readCustomerQuery(' a ')).toEqual({ kind: 'too_short', text: 'a' });
    // One emoji is two UTF-16 units but one character.
    expect(readCustomerQuery('🦊a')).toEqual({ kind: 'too_short', text: '🦊a' });
    expect(readCustomerQuery('Zoë')).toEqual({ kind: 'name', text: 'Zoë' });
  });
});
