package acctest

import (
	"archive/tar"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"
)

// ImageFiles are local image files made by WriteImage.
type ImageFiles struct {
	Unified  string // a unified tarball (metadata.yaml and rootfs/)
	Metadata string // the metadata tarball of the split form
	Rootfs   string // the rootfs tarball of the split form
}

// WriteImage writes, in dir, a small container image for the host's
// architecture in both forms (uncompressed tarballs, which incusd takes), the
// way .ci/install-incus.sh builds the test image: metadata.yaml with an
// architecture and a creation date, a root file system with the usual
// directories. unique goes into a file of the root file system so that each
// call has its own fingerprint; payload bytes of random data are added as
// rootfs/payload, written in a stream (the bench makes 256 MiB files).
func WriteImage(dir, unique string, payload int64) (ImageFiles, error) {
	files := ImageFiles{
		Unified:  filepath.Join(dir, unique+".tar"),
		Metadata: filepath.Join(dir, unique+"-meta.tar"),
		Rootfs:   filepath.Join(dir, unique+"-rootfs.tar"),
	}
	meta := []byte(fmt.Sprintf("architecture: x86_64\ncreation_date: %d\nproperties:\n  description: rack test image %s\n  os: busybox\n  release: \"1\"\n", time.Now().Unix(), unique))
	write := func(file string, withMeta bool, prefix string, withRootfs bool) error {
		f, err := os.Create(file) //nolint:gosec // a test file in the test's own directory
		if err != nil {
			return err
		}
		tw := tar.NewWriter(f)
		if withMeta {
			if err := writeTarFile(tw, "metadata.yaml", int64(len(meta)), bytesReader(meta)); err != nil {
				return err
			}
		}
		if withRootfs {
			for _, d := range []string{".", "bin", "dev", "proc", "sys", "tmp", "etc", "root", "run"} {
				name := path.Join(prefix, d) + "/"
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: time.Unix(0, 0)}); err != nil {
					return err
				}
			}
			if err := writeTarFile(tw, prefix+"etc/rack-unique", int64(len(unique)), bytesReader([]byte(unique))); err != nil {
				return err
			}
			if payload > 0 {
				if err := writeTarFile(tw, prefix+"payload", payload, io.LimitReader(rand.Reader, payload)); err != nil {
					return err
				}
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		return f.Close()
	}
	if err := write(files.Unified, true, "rootfs/", true); err != nil {
		return files, err
	}
	if err := write(files.Metadata, true, "", false); err != nil {
		return files, err
	}
	return files, write(files.Rootfs, false, "", true)
}

func writeTarFile(tw *tar.Writer, name string, size int64, r io.Reader) error {
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size, ModTime: time.Unix(0, 0)}); err != nil {
		return err
	}
	_, err := io.Copy(tw, r)
	return err
}

type byteSliceReader struct{ b []byte }

func (r *byteSliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func bytesReader(b []byte) io.Reader { return &byteSliceReader{b} }
