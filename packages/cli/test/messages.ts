// Messages the command tests send: an echo test and a purchase with a test card number.

/** An echo test (0800, network management code 301). */
export const ECHO = { '0': '0800', '7': '1121103000', '11': '000042', '70': '301' };

/** A 0200 purchase of 10.00 USD with a test card number. */
export const PURCHASE = {
  '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1121103000', '11': '000043',
  '12': '103000', '13': '1121', '14': '3012', '22': '012', '25': '00', '41': 'TERM0001', '42': 'MERCHANT0000001',
  '49': '840',
};
