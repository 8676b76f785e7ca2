/**
 * `@iso8583/cli`: the `iso8583` command and its reusable pieces: the dispatcher, the shared flag parsing (dialect,
 * framing, TLS), the load generator, the gateway and the flow runner.
 */
export { main, usage, COMMAND_NAMES } from './main.js';
export type { CommandHandler } from './main.js';
export {
  CLI_ERROR_CODES,
  cliError,
  parseCommandArgs,
  stringFlag,
  booleanFlag,
  integerFlag,
  numberFlag,
  choiceFlag,
  requiredFlag,
} from './args.js';
export type { CliErrorCode, FlagSpec, FlagSpecs, FlagValues, ParsedArgs, IntegerLimits } from './args.js';
export {
  DEFAULT_DIALECT,
  FRAME_CHOICES,
  DIALECT_FLAGS,
  FRAME_FLAGS,
  TLS_FLAGS,
  ENDPOINT_FLAGS,
  DIALECT_HELP,
  FRAME_HELP,
  TLS_HELP,
  readDialectFlags,
  readFrameFlags,
  framingOptions,
  readClientTls,
  readServerTls,
  hexToBytes,
} from './flags.js';
export type { DialectSettings, FrameSettings, ClientTlsSettings, ServerTlsSettings } from './flags.js';
export { processIo, readAll, readInput, inputStream, formatError, errorCode, maskDigits, writeText } from './io.js';
export type { CommandIo } from './io.js';
export { decodeCommand, DECODE_HELP } from './commands/decode.js';
export type { DecodeFormat } from './commands/decode.js';
export { encodeCommand, ENCODE_HELP } from './commands/encode.js';
export { sendCommand, SEND_HELP, DEFAULT_SEND_TIMEOUT } from './commands/send.js';
export { simulateHostCommand, SIMULATE_HOST_HELP } from './commands/simulate-host.js';
export type { SimulateHostRun } from './commands/simulate-host.js';
export { loadCommand, LOAD_HELP } from './commands/load.js';
export { runLoad } from './load/runner.js';
export type { LoadOptions, LoadProgress } from './load/runner.js';
export { TEST_PANS, MAX_STAN, terminalId, nextStan, purchaseRequest } from './load/purchase.js';
export { sortedOutcomes, formatSummary, formatProgress } from './load/summary.js';
export type { LoadSummary } from './load/summary.js';
export { LatencyHistogram, summarizeLatency } from './load/latency.js';
export type { LatencySummary } from './load/latency.js';
export { gatewayCommand } from './commands/gateway.js';
export { runCommand, RUN_HELP } from './commands/run.js';
export { demoCommand, demoTransactions, DEMO_HELP } from './commands/demo.js';
export type { DemoTransaction } from './commands/demo.js';
export { startGateway, upstreamOptions } from './gateway/gateway.js';
export type { Gateway, GatewayAddresses, GatewayRuntime } from './gateway/gateway.js';
export { parseGatewayArgs, GATEWAY_FLAGS, GATEWAY_DEFAULTS, GATEWAY_CONFIG_SCHEMA } from './gateway/config.js';
export type { GatewayConfig, ParsedGatewayArgs } from './gateway/config.js';
export { GATEWAY_ERROR_CODES } from './gateway/errors.js';
export type { GatewayErrorCode } from './gateway/errors.js';
export { GATEWAY_RESPONSE_CODES } from './gateway/failure.js';
export { loadFlow } from './flow/load.js';
export type { Flow, FlowHttp } from './flow/load.js';
export { startFlow } from './flow/runner.js';
export type { RunningFlow } from './flow/runner.js';
export { flowSchema } from './flow/schema.js';
