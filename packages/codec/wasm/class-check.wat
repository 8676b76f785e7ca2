;; The character check of the compiled unpacker (`src/field/class-check.ts`): runs of message bytes checked against a
;; character class, 16 bytes a step with WebAssembly SIMD. The one source of these bytes: `scripts/wasm-module.mjs`
;; turns this text into `src/generated/class-check-wasm.ts` at build time, and a test checks that the two agree.
;;
;; Memory (2 pages, fixed; the addresses below are constants of `class-check.ts` too):
;;   0 .. 2080      class tables: table N (at 32 * N) is a 256-bit set, bit `c & 7` of byte `c >> 3` set when the
;;                  byte `c` belongs to class N; written once by JavaScript from `charset.ts`.
;;   4096 ..        the message bytes (at most 65536), and 16 bytes that a step may read past the last one.
(module
  (memory (export "memory") 2 2)

  ;; Checks the run of message bytes `start .. end` (offsets of the message) against class `class`: 0 when every byte
  ;; is in the class, else non-zero. A step takes the 16 bytes at `i`, looks up each byte's bit in the class's set
  ;; (the set's byte `v >> 3`, 0-31, from its two halves with a swizzle each: an index over 15 gives 0) and keeps the
  ;; lanes outside the class that are before the run's end.
  (func (export "run") (param $start i32) (param $end i32) (param $class i32) (result i32)
    (local $i i32) (local $e i32) (local $t i32) (local $lo v128) (local $hi v128) (local $v v128) (local $at v128)
    (local $bad v128)
    ;; Arguments the compiled readers never pass (a run backwards, past the message window, a class with no table)
    ;; are refused rather than trusted.
    (if (i32.or (i32.lt_u (local.get $end) (local.get $start))
                (i32.or (i32.gt_u (local.get $end) (i32.const 65536)) (i32.gt_u (local.get $class) (i32.const 64))))
      (then (return (i32.const 1))))
    (local.set $i (i32.add (local.get $start) (i32.const 4096)))
    (local.set $e (i32.add (local.get $end) (i32.const 4096)))
    (local.set $t (i32.shl (local.get $class) (i32.const 5)))
    (local.set $lo (v128.load (local.get $t)))
    (local.set $hi (v128.load offset=16 (local.get $t)))
    (block $checked
      (loop $steps
        (br_if $checked (i32.ge_u (local.get $i) (local.get $e)))
        (local.set $v (v128.load (local.get $i)))
        (local.set $at (i8x16.shr_u (local.get $v) (i32.const 3)))
        (local.set $bad
          (v128.or (local.get $bad)
            (v128.and
              ;; Lanes whose bit is not set: bytes outside the class.
              (i8x16.eq
                (v128.and
                  (v128.or
                    (i8x16.swizzle (local.get $lo) (local.get $at))
                    (i8x16.swizzle (local.get $hi) (i8x16.sub (local.get $at) (i8x16.splat (i32.const 16)))))
                  (i8x16.swizzle
                    (v128.const i8x16 1 2 4 8 16 32 64 128 0 0 0 0 0 0 0 0)
                    (v128.and (local.get $v) (i8x16.splat (i32.const 7)))))
                (v128.const i64x2 0 0))
              ;; Lanes before the end of the run (all 16 but in the last step).
              (i8x16.lt_u
                (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
                (i8x16.splat
                  (select
                    (i32.const 16)
                    (i32.sub (local.get $e) (local.get $i))
                    (i32.ge_u (i32.sub (local.get $e) (local.get $i)) (i32.const 16))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $steps)))
    (v128.any_true (local.get $bad))))
