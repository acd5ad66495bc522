package access

// SetHashObserver lets tests watch password hashes start (+1) and end (-1); nil stops watching.
func SetHashObserver(f func(delta int)) { hashObserver = f }

// ThrottleSize is how many keys the login throttle of s holds, for the memory bound test.
func (s *Service) ThrottleSize() int {
	t := s.guard().logins
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}
