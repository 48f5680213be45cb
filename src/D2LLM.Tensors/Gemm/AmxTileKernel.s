# The AMX-BF16 GEMM micro-kernel whose machine code AmxTileKernel.cs carries (the .NET 10 JIT has no AMX intrinsics),
# and the system call that lets the process use the tile registers. System V AMD64 calling convention:
#   int64 request_tiles(void)  = arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA): 0, or -errno
#   void kernel(int64 steps /* rdi */, const uint32* a /* rsi */, const uint32* b /* rdx */, float* tile /* rcx */,
#               void* emulator /* r8: the twin's only */)
# One step is 16 k-pairs; a dword holds a pair of bf16 values (element 2p low, 2p+1 high). a: per step, rows 0-15 then
# rows 16-31 of A, each row's 16 pairs in 64 bytes (2 KB a step); b: 128 bytes per k-pair (its 32 columns). The
# 32 × 32 float32 tile (128 bytes a row) is four 16 × 16 accumulators: tmm0 rows 0-15 × columns 0-15, tmm1 rows 0-15
# × 16-31, tmm2 rows 16-31 × 0-15, tmm3 rows 16-31 × 16-31, from A tiles tmm4 (rows 0-15) and tmm5 (rows 16-31) and
# B tiles tmm6 (columns 0-15) and tmm7 (columns 16-31). TDPBF16PS: C[m][n] += A[m][2k]·B[k][2n] + A[m][2k+1]·B[k][2n+1]
# in float32. The kernel loads its tile configuration and releases the tiles on every call: no tile state outlives it.
#
# Assembled with --defsym EMULATE=1 the same code becomes its test twin: each tile instruction is a call to the
# function passed in r8 (op, tile a, tile b, tile c, address, stride), which emulates it in software, so the loop, the
# addresses and the tile shapes are tested on a CPU without AMX; only the instructions themselves differ.
# Rebuild the bytes:  as [--defsym EMULATE=1] AmxTileKernel.s -o k.o && objcopy -O binary -j .text k.o k.bin && xxd -i k.bin
.intel_syntax noprefix
.ifndef EMULATE
.set EMULATE, 0
.endif

.macro emulate op, a, b, c, address, stride
    push rax
    push rcx
    push rdx
    push rsi
    push rdi
    push r8
    push r9
    push r10
    push r11
    lea r8, \address
    mov r9, \stride
    mov edi, \op
    mov esi, \a
    mov edx, \b
    mov ecx, \c
    sub rsp, 8
    call rbx
    add rsp, 8
    pop r11
    pop r10
    pop r9
    pop r8
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rax
.endm

.macro tile_config address
.if EMULATE
    emulate 0, 0, 0, 0, \address, 0
.else
    ldtilecfg \address
.endif
.endm

.macro tile_zero t
.if EMULATE
    emulate 1, \t, 0, 0, [rsp], 0
.else
    tilezero tmm\t
.endif
.endm

.macro tile_load t, base, stride, offset
.if EMULATE
    emulate 2, \t, 0, 0, [\base + \offset], \stride
.else
    tileloadd tmm\t, [\base + \stride*1 + \offset]
.endif
.endm

.macro tile_store t, base, stride, offset
.if EMULATE
    emulate 3, \t, 0, 0, [\base + \offset], \stride
.else
    tilestored [\base + \stride*1 + \offset], tmm\t
.endif
.endm

.macro tile_dot c, a, b
.if EMULATE
    emulate 4, \c, \a, \b, [rsp], 0
.else
    tdpbf16ps tmm\c, tmm\a, tmm\b
.endif
.endm

.macro tile_release
.if EMULATE
    emulate 5, 0, 0, 0, [rsp], 0
.else
    tilerelease
.endif
.endm

.text
request_tiles:
    mov eax, 158
    mov edi, 0x1023
    mov esi, 18
    syscall
    ret

.balign 32
kernel:
.if EMULATE
    push rbx
    mov rbx, r8
.endif
    tile_config [rip + config]
    tile_zero 0
    tile_zero 1
    tile_zero 2
    tile_zero 3
    mov r10, 64
    mov r11, 128
    test rdi, rdi
    jz 2f
1:
    tile_load 4, rsi, r10, 0
    tile_load 5, rsi, r10, 1024
    tile_load 6, rdx, r11, 0
    tile_load 7, rdx, r11, 64
    tile_dot 0, 4, 6
    tile_dot 1, 4, 7
    tile_dot 2, 5, 6
    tile_dot 3, 5, 7
    add rsi, 2048
    add rdx, 2048
    dec rdi
    jnz 1b
2:
    tile_store 0, rcx, r11, 0
    tile_store 1, rcx, r11, 64
    tile_store 2, rcx, r11, 2048
    tile_store 3, rcx, r11, 2112
    tile_release
.if EMULATE
    pop rbx
.endif
    ret

# Palette 1, every tile 16 rows of 64 bytes (byte 0 palette, 16-31 bytes per row of tiles 0-7, 48-55 their rows).
.balign 64
config:
    .byte 1, 0
    .zero 14
    .rept 8
    .short 64
    .endr
    .zero 16
    .rept 8
    .byte 16
    .endr
    .zero 8
