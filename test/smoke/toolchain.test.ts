import t from 'tap';
t.test('toolchain compiles and runs TypeScript tests', async (t) => {
  t.equal([1, 2, 3].reduce((a, b) => a + b, 0), 6);
});
