import { draftsOf, emptyLine, itemsOf, previewTotal } from './lineItems';

const gear = { id: 'p3', sku: 'GEAR-9', name: 'Brass gear', price: 1250 };

it('sends unit prices in minor units of the currency, none for the list price, and refuses what the API would', () => {
  const line = (quantity: string, unitPrice: string) => ({ ...emptyLine(), product: gear, quantity, unitPrice });
  expect(itemsOf([line('2', '12.5'), line('1', '')], 'EUR')).toEqual({
    ok: true,
    items: [
      { product_id: 'p3', quantity: 2, unit_price: 1250 },
      { product_id: 'p3', quantity: 1 },
    ],
  });
  expect(itemsOf([line('2', '1250')], 'JPY')).toEqual({ ok: true, items: [{ product_id: 'p3', quantity: 2, unit_price: 1250 }] });
  expect(itemsOf([line('0', ''), line('1000001', '1.5'), { ...emptyLine(), unitPrice: '-1' }, line('1', '1.234')], 'EUR')).toEqual({
    ok: false,
    errors: {
      'items[0].quantity': 'must be a whole number from 1 to 1000000',
      'items[1].quantity': 'must be a whole number from 1 to 1000000',
      'items[2].product_id': 'choose a product',
      'items[2].unit_price': 'must not be negative',
      'items[3].unit_price': 'must have at most 2 decimals',
    },
  });
});

it('previews the total from typed prices and list prices, and not while a line lacks one', () => {
  const stored = draftsOf({ currency: 'EUR', items: [{ product_id: 'p1', sku: 'ENG-1', name: 'Difference engine', quantity: 2, unit_price: 99000, line_total: 198000 }] });
  expect(stored[0]).toMatchObject({ quantity: '2', unitPrice: '990.00' });
  expect(previewTotal([...stored, { ...emptyLine(), product: gear, quantity: '4' }], 'EUR')).toBe(203000);
  // A stored product's list price is not known until it is chosen again from the catalogue.
  expect(previewTotal([{ ...stored[0]!, unitPrice: '' }], 'EUR')).toBeNull();
  expect(previewTotal([emptyLine()], 'EUR')).toBeNull();
});
