package bench

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	a := Parse("go", []string{"consume", "--brokers=h:1", "--topic=t", "--messages=5",
		"--size=0", "--mode=batch", "--batch=7"})
	want := Args{Op: "consume", Brokers: "h:1", Topic: "t", Messages: 5, Size: 0, Mode: "batch", Batch: 7}
	if a != want {
		t.Fatalf("got %+v, want %+v", a, want)
	}
	if c := Parse("go", []string{"crossing", "--messages=1", "--size=1"}); c.Topic == "" || c.Mode != "single" {
		t.Fatalf("crossing defaults: %+v", c)
	}
}

func TestLatencies(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[len(lat)-1-i] = time.Duration(i+1) * time.Microsecond // 100 µs down to 1 µs
	}
	var r Result
	r.SetLatencies(lat)
	if r.P50us != 50 || r.P99us != 99 || r.MeanUs != 50.5 {
		t.Fatalf("p50 %v p99 %v mean %v", r.P50us, r.P99us, r.MeanUs)
	}
	if lat[0] != 100*time.Microsecond {
		t.Fatal("SetLatencies reordered its argument")
	}
}

func TestValueNeverNil(t *testing.T) {
	if v := Value(0); v == nil || len(v) != 0 {
		t.Fatalf("Value(0) = %#v, want empty non-nil", v)
	}
	if len(Value(1024)) != 1024 {
		t.Fatal("wrong size")
	}
}
