;; The js engine's kernels (a matrix product, tanh and the small per-row loops of a dense layer), WebAssembly with 128-bit SIMD (f32x4). Compiled by scripts/gen-kernels.mjs into
;; kernels-wasm.ts (base64), which src/core/nn/kernels.ts instantiates.
;;
;; gemm: C[r, j] += sum_s A[r * ar + s * as] * B[s, j]    (r < R, s < S, j < O; f32, row-major B and C)
;;   a, b, c are byte addresses in the imported memory; ar and as are A's strides in elements, so A can be read as
;;   itself (ar = S, as = 1: X @ W in the forward pass) or transposed (ar = 1, as = rows: X^T @ dY for dW).
;; Four rows of B are combined per pass over a row of C (s unrolled by 4), and the j loop runs 4 lanes at a time
;; with a scalar tail, so any O works.
(module
  (import "env" "memory" (memory 1))
  (func (export "gemm")
    (param $a i32) (param $ar i32) (param $as i32) (param $b i32) (param $c i32)
    (param $R i32) (param $S i32) (param $O i32)
    (local $r i32) (local $s i32) (local $jb i32) (local $crow i32) (local $arow i32) (local $p i32) (local $q i32)
    (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $f0 f32) (local $f1 f32) (local $f2 f32) (local $f3 f32)
    (local $o4b i32) (local $ob i32) (local $s4 i32) (local $asb i32)
    (local.set $ob (i32.shl (local.get $O) (i32.const 2)))
    (local.set $o4b (i32.shl (i32.and (local.get $O) (i32.const -4)) (i32.const 2)))
    (local.set $s4 (i32.and (local.get $S) (i32.const -4)))
    (local.set $asb (i32.shl (local.get $as) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ob))))
      (local.set $arow (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r) (local.get $ar)) (i32.const 2))))
      (local.set $s (i32.const 0))
      ;; four rows of B at a time
      (block $doneS4 (loop $loopS4
        (br_if $doneS4 (i32.ge_u (local.get $s) (local.get $s4)))
        (local.set $p (i32.add (local.get $arow) (i32.mul (local.get $s) (local.get $asb))))
        (local.set $f0 (f32.load (local.get $p)))
        (local.set $f1 (f32.load (i32.add (local.get $p) (local.get $asb))))
        (local.set $f2 (f32.load (i32.add (local.get $p) (i32.shl (local.get $asb) (i32.const 1)))))
        (local.set $f3 (f32.load (i32.add (local.get $p) (i32.mul (local.get $asb) (i32.const 3)))))
        (local.set $v0 (f32x4.splat (local.get $f0)))
        (local.set $v1 (f32x4.splat (local.get $f1)))
        (local.set $v2 (f32x4.splat (local.get $f2)))
        (local.set $v3 (f32x4.splat (local.get $f3)))
        (local.set $b0 (i32.add (local.get $b) (i32.mul (local.get $s) (local.get $ob))))
        (local.set $b1 (i32.add (local.get $b0) (local.get $ob)))
        (local.set $b2 (i32.add (local.get $b1) (local.get $ob)))
        (local.set $b3 (i32.add (local.get $b2) (local.get $ob)))
        (local.set $jb (i32.const 0))
        (block $doneJ (loop $loopJ
          (br_if $doneJ (i32.ge_u (local.get $jb) (local.get $o4b)))
          (local.set $q (i32.add (local.get $crow) (local.get $jb)))
          (v128.store (local.get $q)
            (f32x4.add
              (v128.load (local.get $q))
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (local.get $v0) (v128.load (i32.add (local.get $b0) (local.get $jb))))
                  (f32x4.mul (local.get $v1) (v128.load (i32.add (local.get $b1) (local.get $jb)))))
                (f32x4.add
                  (f32x4.mul (local.get $v2) (v128.load (i32.add (local.get $b2) (local.get $jb))))
                  (f32x4.mul (local.get $v3) (v128.load (i32.add (local.get $b3) (local.get $jb))))))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br $loopJ)))
        (block $doneJr (loop $loopJr
          (br_if $doneJr (i32.ge_u (local.get $jb) (local.get $ob)))
          (local.set $q (i32.add (local.get $crow) (local.get $jb)))
          (f32.store (local.get $q)
            (f32.add
              (f32.load (local.get $q))
              (f32.add
                (f32.add
                  (f32.mul (local.get $f0) (f32.load (i32.add (local.get $b0) (local.get $jb))))
                  (f32.mul (local.get $f1) (f32.load (i32.add (local.get $b1) (local.get $jb)))))
                (f32.add
                  (f32.mul (local.get $f2) (f32.load (i32.add (local.get $b2) (local.get $jb))))
                  (f32.mul (local.get $f3) (f32.load (i32.add (local.get $b3) (local.get $jb))))))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br $loopJr)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (br $loopS4)))
      ;; remaining rows of B one at a time
      (block $doneS (loop $loopS
        (br_if $doneS (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $f0 (f32.load (i32.add (local.get $arow) (i32.mul (local.get $s) (local.get $asb)))))
        (local.set $v0 (f32x4.splat (local.get $f0)))
        (local.set $b0 (i32.add (local.get $b) (i32.mul (local.get $s) (local.get $ob))))
        (local.set $jb (i32.const 0))
        (block $doneJ1 (loop $loopJ1
          (br_if $doneJ1 (i32.ge_u (local.get $jb) (local.get $o4b)))
          (local.set $q (i32.add (local.get $crow) (local.get $jb)))
          (v128.store (local.get $q)
            (f32x4.add (v128.load (local.get $q)) (f32x4.mul (local.get $v0) (v128.load (i32.add (local.get $b0) (local.get $jb))))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
          (br $loopJ1)))
        (block $doneJ1r (loop $loopJ1r
          (br_if $doneJ1r (i32.ge_u (local.get $jb) (local.get $ob)))
          (local.set $q (i32.add (local.get $crow) (local.get $jb)))
          (f32.store (local.get $q)
            (f32.add (f32.load (local.get $q)) (f32.mul (local.get $f0) (f32.load (i32.add (local.get $b0) (local.get $jb))))))
          (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
          (br $loopJ1r)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $loopS)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR)))
  )
;; tanh_inplace: x[i] = tanh(x[i]) for i < n rounded up to a multiple of 4 (callers' buffers are padded to 4
;; floats), 4 lanes at a time. |x| < 0.3: the odd Taylor series of tanh to x^11 (next term < 1e-9); otherwise
;; sign(x) (1 - e) / (1 + e) with e = exp(-2 min(|x|, 9)), exp by range reduction e^y = 2^k e^r, |r| <= ln2 / 2,
;; and a degree-6 Taylor polynomial for e^r. Within a few float32 ulps of Math.tanh.
  (func (export "tanh_inplace") (param $p i32) (param $n i32)
    (local $end i32) (local $x v128) (local $ax v128) (local $y v128) (local $k v128) (local $r v128)
    (local $e v128) (local $t v128) (local $x2 v128) (local $s v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 2))))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $x (v128.load (local.get $p)))
      (local.set $ax (f32x4.min (f32x4.abs (local.get $x)) (f32x4.splat (f32.const 9))))
      (local.set $y (f32x4.mul (local.get $ax) (f32x4.splat (f32.const -2))))
      (local.set $k (f32x4.nearest (f32x4.mul (local.get $y) (f32x4.splat (f32.const 1.44269504088896341)))))
      (local.set $r (f32x4.sub (local.get $y) (f32x4.mul (local.get $k) (f32x4.splat (f32.const 0.693359375)))))
      (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $k) (f32x4.splat (f32.const -2.12194440e-4)))))
      (local.set $e (f32x4.add (f32x4.splat (f32.const 0.16666666666666666)) (f32x4.mul (local.get $r)
        (f32x4.add (f32x4.splat (f32.const 0.041666666666666664)) (f32x4.mul (local.get $r)
          (f32x4.add (f32x4.splat (f32.const 0.008333333333333333)) (f32x4.mul (local.get $r) (f32x4.splat (f32.const 0.001388888888888889)))))))))
      (local.set $e (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r)
        (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r)
          (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $r) (local.get $e))))))))
      ;; times 2^k: k in [-26, 0], built in the exponent bits
      (local.set $e (f32x4.mul (local.get $e)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (i32x4.splat (i32.const 127))) (i32.const 23))))
      (local.set $t (f32x4.div (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $e)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $e))))
      (local.set $t (v128.bitselect (local.get $x) (local.get $t) (i32x4.splat (i32.const 0x80000000))))
      (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
      (local.set $s (f32x4.add (f32x4.splat (f32.const 0.021869488536155203)) (f32x4.mul (local.get $x2) (f32x4.splat (f32.const -0.008863235529902197)))))
      (local.set $s (f32x4.add (f32x4.splat (f32.const -0.05396825396825397)) (f32x4.mul (local.get $x2) (local.get $s))))
      (local.set $s (f32x4.add (f32x4.splat (f32.const 0.13333333333333333)) (f32x4.mul (local.get $x2) (local.get $s))))
      (local.set $s (f32x4.add (f32x4.splat (f32.const -0.3333333333333333)) (f32x4.mul (local.get $x2) (local.get $s))))
      (local.set $s (f32x4.mul (local.get $x) (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $x2) (local.get $s)))))
      (v128.store (local.get $p)
        (v128.bitselect (local.get $s) (local.get $t) (f32x4.lt (local.get $ax) (f32x4.splat (f32.const 0.3)))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $loop)))
  )
;; rows_set: C[r, j] = v[j] for r < R, j < O (bias into every row of a layer's output).
  (func (export "rows_set") (param $c i32) (param $v i32) (param $R i32) (param $O i32)
    (local $r i32) (local $jb i32) (local $ob i32) (local $o4b i32) (local $crow i32)
    (local.set $ob (i32.shl (local.get $O) (i32.const 2)))
    (local.set $o4b (i32.shl (i32.and (local.get $O) (i32.const -4)) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ob))))
      (local.set $jb (i32.const 0))
      (block $doneJ (loop $loopJ
        (br_if $doneJ (i32.ge_u (local.get $jb) (local.get $o4b)))
        (v128.store (i32.add (local.get $crow) (local.get $jb)) (v128.load (i32.add (local.get $v) (local.get $jb))))
        (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
        (br $loopJ)))
      (block $doneJr (loop $loopJr
        (br_if $doneJr (i32.ge_u (local.get $jb) (local.get $ob)))
        (f32.store (i32.add (local.get $crow) (local.get $jb)) (f32.load (i32.add (local.get $v) (local.get $jb))))
        (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
        (br $loopJr)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR)))
  )
;; rows_sum_acc: v[j] += sum_r C[r, j] (a bias gradient).
  (func (export "rows_sum_acc") (param $v i32) (param $c i32) (param $R i32) (param $O i32)
    (local $r i32) (local $jb i32) (local $ob i32) (local $o4b i32) (local $crow i32) (local $q i32)
    (local.set $ob (i32.shl (local.get $O) (i32.const 2)))
    (local.set $o4b (i32.shl (i32.and (local.get $O) (i32.const -4)) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ob))))
      (local.set $jb (i32.const 0))
      (block $doneJ (loop $loopJ
        (br_if $doneJ (i32.ge_u (local.get $jb) (local.get $o4b)))
        (local.set $q (i32.add (local.get $v) (local.get $jb)))
        (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (v128.load (i32.add (local.get $crow) (local.get $jb)))))
        (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
        (br $loopJ)))
      (block $doneJr (loop $loopJr
        (br_if $doneJr (i32.ge_u (local.get $jb) (local.get $ob)))
        (local.set $q (i32.add (local.get $v) (local.get $jb)))
        (f32.store (local.get $q) (f32.add (f32.load (local.get $q)) (f32.load (i32.add (local.get $crow) (local.get $jb)))))
        (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
        (br $loopJr)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR)))
  )
;; tanh_backward: d[i] *= 1 - h[i]^2 for i < n rounded up to a multiple of 4 (padded buffers, as tanh_inplace).
  (func (export "tanh_backward") (param $d i32) (param $h i32) (param $n i32)
    (local $end i32) (local $x v128)
    (local.set $end (i32.add (local.get $d) (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 2))))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
      (local.set $x (v128.load (local.get $h)))
      (v128.store (local.get $d)
        (f32x4.mul (v128.load (local.get $d)) (f32x4.sub (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $x) (local.get $x)))))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (local.set $h (i32.add (local.get $h) (i32.const 16)))
      (br $loop)))
  )
)
