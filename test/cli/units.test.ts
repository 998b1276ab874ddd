import { binaryBytes, count, decimalBytes } from '../../lambdas/cli/units';

describe('the numbers the CLI prints', () => {
  it('sizes S3 objects in decimal units, as S3 shows them, moving up a unit rather than print 1000.0', () => {
    expect([0, 999, 1000, 1550, 999_949, 999_950, 5_600_000_000].map(decimalBytes)).toEqual([
      '0 B',
      '999 B',
      '1.0 kB',
      '1.6 kB',
      '999.9 kB',
      '1.0 MB',
      '5.6 GB',
    ]);
  });

  it('sizes reading throughput in binary units', () => {
    expect([1023, 1024, 512 * 1024 ** 2, 1024 ** 3].map(binaryBytes)).toEqual(['1023 B', '1.0 KiB', '512.0 MiB', '1.00 GiB']);
  });

  it('groups thousands', () => {
    expect(count(1234567)).toBe('1,234,567');
  });
});
