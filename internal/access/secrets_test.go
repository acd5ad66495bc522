package access

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("правильный пароль")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("not a PHC argon2id string: %s", h)
	}
	h2, _ := HashPassword("правильный пароль")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		name, hash, password string
		ok                   bool
		bad                  bool
	}{
		{"right password", h, "правильный пароль", true, false},
		{"wrong password", h, "правильный пароль ", false, false},
		{"empty password", h, "", false, false},
		{"not argon2id", strings.Replace(h, "argon2id", "argon2i", 1), "правильный пароль", false, true},
		{"cut short", h[:len(h)-60], "правильный пароль", false, true},
		{"garbage", "$argon2id$v=19$m=x$y$z", "x", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := CheckPassword(tc.hash, tc.password)
			if ok != tc.ok || (err != nil) != tc.bad {
				t.Fatalf("CheckPassword = %v, %v; want %v, error %v", ok, err, tc.ok, tc.bad)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	a, _ := NewToken(APIKeyPrefix)
	b, _ := NewToken(APIKeyPrefix)
	if a == b || !strings.HasPrefix(a, APIKeyPrefix) || len(a) < len(APIKeyPrefix)+43 {
		t.Fatalf("tokens %q %q", a, b)
	}
	ha := HashToken(a)
	if ha == HashToken(b) || HashToken(a) != ha || strings.Contains(ha, a) {
		t.Fatal("token hashes are not a stable one-way function of the token")
	}
}
