;; Finds, in one pass, where any of up to eight byte pairs occurs (see pair-scan.ts). Each pair
;; has a bucket (one bit); a lane of the result says which buckets' pairs start at that byte.
;; The first byte of a pair is matched through two 16-byte tables (by low and by high nibble),
;; the second through two more: a byte matches a bucket when both its nibbles do (Teddy, as in
;; Hyperscan and Rust's aho-corasick), so with one pair per bucket a lane is set exactly where a
;; pair starts.
;;
;; Memory: the four tables at 0 (low and high nibble of the first byte, then of the second);
;; the input at `in`, followed by at least 16 zero bytes (no pair holds a zero byte); the
;; records at `out`, 24 bytes each for a 16-byte block with a match: its offset in the input
;; (u32), which of its lanes matched (u32, bit i for lane i) and its 16 lanes.
(module
  (memory (export "memory") 1)
  ;; Returns the number of records, or -1 as soon as more than `maxLanes` lanes matched (input
  ;; this dense is no audit log: the caller searches it another way).
  (func (export "scan") (param $in i32) (param $n i32) (param $out i32) (param $maxLanes i32) (result i32)
    (local $i i32) (local $end i32) (local $o i32) (local $lanes i32) (local $matched i32)
    (local $v0 v128) (local $v1 v128) (local $r v128)
    (local $lo1 v128) (local $hi1 v128) (local $lo2 v128) (local $hi2 v128) (local $low v128)
    (local.set $lo1 (v128.load (i32.const 0)))
    (local.set $hi1 (v128.load (i32.const 16)))
    (local.set $lo2 (v128.load (i32.const 32)))
    (local.set $hi2 (v128.load (i32.const 48)))
    (local.set $low (i8x16.splat (i32.const 15)))
    (local.set $i (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $n)))
    (local.set $o (local.get $out))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v0 (v128.load (local.get $i)))
        (local.set $v1 (v128.load offset=1 (local.get $i)))
        (local.set $r
          (v128.and
            (v128.and
              (i8x16.swizzle (local.get $lo1) (v128.and (local.get $v0) (local.get $low)))
              (i8x16.swizzle (local.get $hi1) (i8x16.shr_u (local.get $v0) (i32.const 4))))
            (v128.and
              (i8x16.swizzle (local.get $lo2) (v128.and (local.get $v1) (local.get $low)))
              (i8x16.swizzle (local.get $hi2) (i8x16.shr_u (local.get $v1) (i32.const 4))))))
        (if (v128.any_true (local.get $r))
          (then
            (local.set $matched (i8x16.bitmask (i8x16.ne (local.get $r) (v128.const i32x4 0 0 0 0))))
            (local.set $lanes (i32.add (local.get $lanes) (i32.popcnt (local.get $matched))))
            (if (i32.gt_u (local.get $lanes) (local.get $maxLanes)) (then (return (i32.const -1))))
            (i32.store (local.get $o) (i32.sub (local.get $i) (local.get $in)))
            (i32.store offset=4 (local.get $o) (local.get $matched))
            (v128.store offset=8 (local.get $o) (local.get $r))
            (local.set $o (i32.add (local.get $o) (i32.const 24)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $block)))
    (i32.div_u (i32.sub (local.get $o) (local.get $out)) (i32.const 24)))
)
