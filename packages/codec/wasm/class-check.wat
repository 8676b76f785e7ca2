;; The character check of the compiled unpacker (`src/field/class-check.ts`): runs of message bytes checked against a
;; character class, 16 bytes a step with WebAssembly SIMD, all the runs of a message in one call, which then wipes the
;; message. The one source of these bytes: `scripts/wasm-module.mjs` turns this text into
;; `src/generated/class-check-wasm.ts` at build time, and a test checks that the two agree.
;;
;; Memory (2 pages, fixed; the addresses below are constants of `class-check.ts` too):
;;   0 .. 2080      class tables: class N (at 32 * N) has 16 bytes by low nibble, then 16 bytes by high nibble; the
;;                  byte `c` belongs to class N when `lo[c & 15]` and `hi[c >> 4]` have a bit in common. Written once
;;                  by JavaScript from `charset.ts` (`writeTable` in `class-check.ts`).
;;   2112 .. 2368   the masks of a run's last step: mask N (at 2112 + 16 * N) has 0xff in lanes N-15, 0 in lanes
;;                  0 .. N-1 (a data segment below).
;;   4096 .. 8192   the runs to check: (start, end, class) triples of 32-bit words, written by a compiled reader.
;;   8192 ..        the message bytes (at most 65536), and 16 bytes that a step may read past the last one.
(module
  (memory (export "memory") 2 2)
  (data (i32.const 2112) "\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\00\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\00\00\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\00\00\00\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\00\00\00\00\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\00\00\00\00\00\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\00\00\00\00\00\00\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\00\00\00\00\00\00\00\ff\ff\ff\ff\ff\ff\ff\ff\ff\00\00\00\00\00\00\00\00\ff\ff\ff\ff\ff\ff\ff\ff\00\00\00\00\00\00\00\00\00\ff\ff\ff\ff\ff\ff\ff\00\00\00\00\00\00\00\00\00\00\ff\ff\ff\ff\ff\ff\00\00\00\00\00\00\00\00\00\00\00\ff\ff\ff\ff\ff\00\00\00\00\00\00\00\00\00\00\00\00\ff\ff\ff\ff\00\00\00\00\00\00\00\00\00\00\00\00\00\ff\ff\ff\00\00\00\00\00\00\00\00\00\00\00\00\00\00\ff\ff\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\ff")

  ;; Checks the first `count` runs (at most 341), then writes zeros over the first `wipe` message bytes (at most
  ;; 65552; 0 for none): returns 0 when every byte of every run is in its class, else 1. A run is the message bytes
  ;; `start .. end` (offsets of the message) and a class number. A step takes the 16 bytes at `i` and looks up each
  ;; byte in the class's two tables with a swizzle each (the low nibble in the low-nibble table, the high nibble in
  ;; the high-nibble table; a 16-bit shift and the low-nibble mask give it, one instruction fewer than V8 makes of a byte
  ;; shift) and ands the two: a lane of zero is a byte outside the class. The last step of a run
  ;; keeps only the lanes before its end (the others set by a mask of the data segment). The lanes of every step of
  ;; every run are folded into one vector (their minimum) and looked at once, after the last run: a message with a
  ;; stray byte is rare, and a look per run cost 7 instructions.
  (func (export "check") (param $count i32) (param $wipe i32) (result i32)
    (local $r i32) (local $rend i32) (local $i i32) (local $e i32) (local $t i32) (local $stray i32)
    (local $lo v128) (local $hi v128) (local $v v128) (local $bad v128) (local $low v128)
    ;; Arguments the compiled readers never pass are refused rather than trusted: too many runs, and below a run
    ;; backwards, past the message window, a class with no table.
    (if (i32.gt_u (local.get $count) (i32.const 341))
      (then (local.set $count (i32.const 0)) (local.set $stray (i32.const 1))))
    ;; Set once, not at each run: the low-nibble mask, and no stray lane yet.
    (local.set $low (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $bad (v128.const i64x2 -1 -1))
    (local.set $r (i32.const 4096))
    (local.set $rend (i32.add (i32.const 4096) (i32.mul (local.get $count) (i32.const 12))))
    (block $runs
     (block $refused
      (loop $each
        (br_if $runs (i32.ge_u (local.get $r) (local.get $rend)))
        (local.set $i (i32.load (local.get $r)))
        (local.set $e (i32.load offset=4 (local.get $r)))
        (local.set $t (i32.load offset=8 (local.get $r)))
        (local.set $r (i32.add (local.get $r) (i32.const 12)))
        ;; One branch a test (V8 made flags and ors of the three tests joined).
        (br_if $refused (i32.lt_u (local.get $e) (local.get $i)))
        (br_if $refused (i32.gt_u (local.get $e) (i32.const 65536)))
        (br_if $refused (i32.gt_u (local.get $t) (i32.const 64)))
        (local.set $i (i32.add (local.get $i) (i32.const 8192)))
        (local.set $e (i32.add (local.get $e) (i32.const 8192)))
        (local.set $t (i32.shl (local.get $t) (i32.const 5)))
        (local.set $lo (v128.load (local.get $t)))
        (local.set $hi (v128.load offset=16 (local.get $t)))
        ;; Whole steps of 16 bytes.
        (block $whole
          (loop $steps
            (br_if $whole (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $e)))
            (local.set $v (v128.load (local.get $i)))
            (local.set $bad
              (i8x16.min_u (local.get $bad)
                (v128.and
                  (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $low)))
                  (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $low))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $steps)))
        ;; The last 1-15 bytes: the same test, lanes past the end of the run set by the mask of their count.
        (if (i32.lt_u (local.get $i) (local.get $e))
          (then
            (local.set $v (v128.load (local.get $i)))
            (local.set $bad
              (i8x16.min_u (local.get $bad)
                (v128.or
                  (v128.and
                    (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $low)))
                    (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $low))))
                  (v128.load offset=2112 (i32.shl (i32.sub (local.get $e) (local.get $i)) (i32.const 4))))))))
        (br $each)))
      ;; A run refused: the check fails.
      (local.set $stray (i32.const 1)))
    ;; A lane of zero: a byte outside its run's class.
    (if (i32.eqz (i8x16.all_true (local.get $bad))) (then (local.set $stray (i32.const 1))))
    (if (i32.gt_u (local.get $wipe) (i32.const 65552)) (then (local.set $wipe (i32.const 65552))))
    (memory.fill (i32.const 8192) (i32.const 0) (local.get $wipe))
    (local.get $stray)))
