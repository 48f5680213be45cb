# The AVX512-BF16 GEMM micro-kernel whose machine code Bf16DotKernel.cs carries (the .NET 10 JIT has no intrinsic
# for VDPBF16PS). System V AMD64 calling convention:
#   void kernel(int64 pairs /* rdi */, const uint32* a /* rsi */, const uint32* b /* rdx */, float* tile /* rcx */)
# a holds 12 dwords per k-pair (row r: bf16 A[r][2p] low, A[r][2p+1] high), b 32 dwords per k-pair (column j:
# B[2p][j] low, B[2p+1][j] high). Per pair, each accumulator lane does acc += a_lo·b_lo + a_hi·b_hi in float32;
# the 12 × 32 float32 tile is stored row after row. zmm0–zmm25 are caller-saved in this convention.
# Rebuild the bytes:  as Bf16DotKernel.s -o k.o && objcopy -O binary -j .text k.o k.bin && xxd -i k.bin
.intel_syntax noprefix
.text
.macro row even, odd, offset
    vdpbf16ps zmm\even, zmm24, dword ptr [rsi+\offset]{1to16}
    vdpbf16ps zmm\odd, zmm25, dword ptr [rsi+\offset]{1to16}
.endm
kernel:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23
    vpxord zmm\i, zmm\i, zmm\i
    .endr
    test rdi, rdi
    jz 2f
1:
    vmovups zmm24, [rdx]
    vmovups zmm25, [rdx+64]
    row 0, 1, 0
    row 2, 3, 4
    row 4, 5, 8
    row 6, 7, 12
    row 8, 9, 16
    row 10, 11, 20
    row 12, 13, 24
    row 14, 15, 28
    row 16, 17, 32
    row 18, 19, 36
    row 20, 21, 40
    row 22, 23, 44
    add rsi, 48
    sub rdx, -128
    dec rdi
    jnz 1b
2:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23
    vmovups [rcx+64*\i], zmm\i
    .endr
    vzeroupper
    ret
