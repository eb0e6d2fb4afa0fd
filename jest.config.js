/** Unit tests sit beside their sources (*.test.ts); integration, namespace and interop tests live in test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/lib', '<rootDir>/hooks', '<rootDir>/images', '<rootDir>/lab', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // client-node 1.x ships ESM; let swc turn it into CommonJS for jest's module loader.
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|@kubernetes-models|openid-client|oauth4webapi|jose|jsonpath-plus|@jsep-plugin|jsep)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.cache/'],
  // The lab's unpacked image roots hold package.json files of their own.
  modulePathIgnorePatterns: ['<rootDir>/lab/out/', '<rootDir>/out/'],
  testTimeout: 30000,
};
