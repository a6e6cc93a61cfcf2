package incus

import (
	"archive/tar"
	"context"
	"io"
	"runtime"
	"testing"
)

// A backup is streamed to incusd: restoring a 128 MiB tarball allocates a
// small fraction of its size in this process (client and mock host
// together), so memory does not grow with the file.
func TestCreateInstanceFromBackupStreams(t *testing.T) {
	_, c := startMock(t)
	const size = 128 << 20
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		index := "name: big\ntype: container\nconfig:\n  container:\n    name: big\n    type: container\n    architecture: x86_64\n    profiles: [default]\n    config: {}\n    devices: {}\n"
		_ = tw.WriteHeader(&tar.Header{Name: "backup/index.yaml", Mode: 0o644, Size: int64(len(index))})
		_, _ = tw.Write([]byte(index))
		_ = tw.WriteHeader(&tar.Header{Name: "backup/container/rootfs/big", Mode: 0o644, Size: size})
		zeros := make([]byte, 1<<16)
		for written := 0; written < size; written += len(zeros) {
			if _, err := tw.Write(zeros); err != nil {
				_ = pw.CloseWithError(err)
				return
			}
		}
		_ = tw.Close()
		_ = pw.Close()
	}()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	inst, err := c.CreateInstanceFromBackup(context.Background(), Scope{}, "restored", pr)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if inst.Name != "restored" || inst.Status != "Stopped" {
		t.Errorf("restored %s, status %s; want restored, Stopped", inst.Name, inst.Status)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("restoring %d MiB allocated %d KiB", size>>20, alloc>>10)
	if alloc > size/8 {
		t.Errorf("restoring %d MiB allocated %d MiB: the tarball is buffered, not streamed", size>>20, alloc>>20)
	}
}
