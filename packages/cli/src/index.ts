/**
 * `@iso8583/cli`: the `iso8583` command and its programmatic API: `main` (the dispatcher), one function per command
 * (the same arguments as on the command line), the load generator, the gateway and the flow runner for embedding,
 * the latency histogram the benchmarks share, and the tables of error codes. The flag parsing and the other pieces
 * inside are not part of the API.
 */
export { main, usage, COMMAND_NAMES } from './main.js';
export type { CommandHandler } from './main.js';
export type { CommandIo } from './io.js';
export { decodeCommand } from './commands/decode.js';
export type { DecodeFormat } from './commands/decode.js';
export { encodeCommand } from './commands/encode.js';
export { sendCommand } from './commands/send.js';
export { simulateHostCommand } from './commands/simulate-host.js';
export type { SimulateHostRun } from './commands/simulate-host.js';
export { loadCommand } from './commands/load.js';
export { gatewayCommand } from './commands/gateway.js';
export { runCommand } from './commands/run.js';
export { demoCommand } from './commands/demo.js';
export { runLoad } from './load/runner.js';
export type { LoadOptions, LoadProgress } from './load/runner.js';
export { formatSummary } from './load/summary.js';
export type { LoadSummary } from './load/summary.js';
export { FAIL_ON_KINDS, LOAD_FAIL_ON_EXIT, failOnCounts, failedOn, parseFailOn } from './load/fail-on.js';
export type { FailOnKind } from './load/fail-on.js';
export { LatencyHistogram, summarizeLatency } from './load/latency.js';
export type { LatencySummary } from './load/latency.js';
export { startGateway } from './gateway/gateway.js';
export type { Gateway, GatewayAddresses, GatewayRuntime } from './gateway/gateway.js';
export { parseGatewayArgs, readConfigFile, GATEWAY_DEFAULTS, GATEWAY_CONFIG_SCHEMA } from './gateway/config.js';
export type { GatewayConfig, ParsedGatewayArgs } from './gateway/config.js';
export { GATEWAY_RESPONSE_CODES } from './gateway/failure.js';
export { loadFlow } from './flow/load.js';
export type { Flow, FlowHttp } from './flow/load.js';
export { startFlow } from './flow/runner.js';
export type { RunningFlow } from './flow/runner.js';
export type { FlowRunOptions } from './flow/run-options.js';
export { flowSchema } from './flow/schema.js';
export { chooseLogFormat, createLogger } from './logger.js';
export type { LogFormat } from './logger.js';
export type { LoggerOptions, ReopenableLogger } from './logger.js';
export { CLI_ERROR_CODES } from './args.js';
export type { CliErrorCode } from './args.js';
export { GATEWAY_ERROR_CODES } from './gateway/errors.js';
export type { GatewayErrorCode } from './gateway/errors.js';
export { FLOW_ERROR_CODES } from './flow/errors.js';
export type { FlowErrorCode } from './flow/errors.js';
export { CONSOLE_ERROR_CODES } from './console/errors.js';
export type { ConsoleErrorCode } from './console/errors.js';
export { TransactionRing } from './console/recent.js';
export type { TransactionRingOptions } from './console/recent.js';
export type { ConsoleOptions } from './console/routes.js';
