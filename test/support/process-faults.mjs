// Preloaded into a Frontline process by a test (`node --import`): signals make the process fail the way a bug would.
// SIGUSR2: a promise rejects and nothing handles it. SIGHUP: an exception is thrown and nothing catches it.
process.on('SIGUSR2', () => {
  Promise.reject(new Error('test: a rejection nobody handles'));
});
process.on('SIGHUP', () => {
  setImmediate(() => {
    throw new Error('test: an exception nobody catches');
  });
});
