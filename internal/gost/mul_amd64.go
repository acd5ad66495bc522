//go:build amd64 && !purego

package gost

import "golang.org/x/sys/cpu"

// useADX selects the assembly multiplication modulo 2^(64n) - c (mul_amd64.s), which needs MULX
// (BMI2) and ADCX/ADOX (ADX); other CPUs run the generated Go.
var useADX = cpu.X86.HasADX && cpu.X86.HasBMI2

// mulSpecial4ADX is mod4.mulSpecial in assembly: z = x·y mod 2^256 - c, branch-free.
//
//go:noescape
func mulSpecial4ADX(z, x, y *fe4, c uint64)

// mulSpecial8ADX is mod8.mulSpecial in assembly: z = x·y mod 2^512 - c, branch-free.
//
//go:noescape
func mulSpecial8ADX(z, x, y *fe8, c uint64)
