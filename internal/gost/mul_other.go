//go:build !amd64 || purego

package gost

// useADX is false without the assembly: mod4 and mod8 run the generated Go.
const useADX = false

// mulSpecial4ADX and mulSpecial8ADX are never called when useADX is false; they exist so that
// curve4.go and curve8.go build.
func mulSpecial4ADX(z, x, y *fe4, c uint64) { panic("gost: no assembly multiplication in this build") }

func mulSpecial8ADX(z, x, y *fe8, c uint64) { panic("gost: no assembly multiplication in this build") }
