//go:build !amd64 || purego

package gost

// useADX is false without the assembly: mod8 runs the generated Go.
const useADX = false

// mulSpecial8ADX is never called when useADX is false; it exists so that curve8.go builds.
func mulSpecial8ADX(z, x, y *fe8, c uint64) { panic("gost: no assembly multiplication in this build") }
