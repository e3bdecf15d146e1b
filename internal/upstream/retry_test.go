package upstream

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := start
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"9999999999", MaxRetryAfter}, // would overflow a naive conversion
		{"99999999999999999999", 0},   // not an int64: unreadable
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), MaxRetryAfter},
		{"soon", 0},
	} {
		h := http.Header{}
		if tt.in != "" {
			h.Set("Retry-After", tt.in)
		}
		if got := RetryAfter(h, now); got != tt.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPolicyDelay(t *testing.T) {
	p := Policy{Min: time.Minute, Max: time.Hour}
	for _, tt := range []struct {
		n          int
		retryAfter time.Duration
		jitter     float64
		want       time.Duration
	}{
		{1, 0, 0, 30 * time.Second},
		{1, 0, 0.999999, 60 * time.Second},
		{2, 0, 0, time.Minute},
		{3, 0, 0.5, 3 * time.Minute},
		{7, 0, 0, 30 * time.Minute}, // 64m capped at the hour
		{50, 0, 0, 30 * time.Minute},
		{1, 10 * time.Minute, 0, 10 * time.Minute},
		{1, 48 * time.Hour, 0, MaxRetryAfter},
	} {
		got := p.Delay(tt.n, tt.retryAfter, tt.jitter)
		if tt.jitter > 0.99 {
			got = got.Round(time.Second)
		}
		if got != tt.want {
			t.Errorf("Delay(%d, %v, %v) = %v, want %v", tt.n, tt.retryAfter, tt.jitter, got, tt.want)
		}
	}
	alerts := Policy{Min: 500 * time.Millisecond, Max: time.Minute, Factor: 1.5}
	if got := alerts.Delay(3, 0, 0); got != 562500*time.Microsecond {
		t.Errorf("factor 1.5: Delay(3) = %v, want 562.5ms", got)
	}
}

func TestFreshness(t *testing.T) {
	now := start
	for _, tt := range []struct {
		headers map[string]string
		want    time.Duration
	}{
		{nil, 0},
		{map[string]string{"Cache-Control": "public, max-age=600"}, 10 * time.Minute}, // Yahoo's search
		{map[string]string{"Cache-Control": "max-age=600", "Age": "100"}, 500 * time.Second},
		{map[string]string{"Cache-Control": "private, max-age=60, stale-while-revalidate=9"}, time.Minute},
		{map[string]string{"Cache-Control": "no-cache, max-age=600"}, 0},
		{map[string]string{"Cache-Control": "max-age=99999999"}, MaxFreshness},
		{map[string]string{"Expires": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{map[string]string{"Expires": now.Add(2 * time.Minute).Format(http.TimeFormat),
			"Date": now.Add(time.Minute).Format(http.TimeFormat)}, time.Minute},
		{map[string]string{"Expires": "0"}, 0},
		{map[string]string{"Expires": now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
	} {
		h := http.Header{}
		for k, v := range tt.headers {
			h.Set(k, v)
		}
		if got := Freshness(h, now); got != tt.want {
			t.Errorf("Freshness(%v) = %v, want %v", tt.headers, got, tt.want)
		}
	}
}
