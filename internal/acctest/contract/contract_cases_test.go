package contract_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// The cases of the types that came before the generic config objects:
// the instance and the PiKVM family.
func init() {
	cases["rack_incus_instance"] = Case{
		Incus:   true,
		Address: "rack_incus_instance.test",
		Config: func(env *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_instance" "test" {
  remote  = "test"
  name    = %q
  image   = %q
  running = false
}
`, name, env.Incus.Image)
		},
		ImportID:        func(_ *Env, name string) string { return "test:default/" + name },
		TakeName:        func(t *testing.T, env *Env, name string) { env.Incus.CreateInstance(t, name) },
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) { env.Incus.DeleteInstance(t, name) },
		Exists:          func(_ *testing.T, env *Env, name string) bool { return env.Incus.InstanceExists(name) },
		CreateRequest:   mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "remote": "test", "project": "default"}
		},
	}

	cases["rack_pikvm_msd_image"] = Case{
		Address: "rack_pikvm_msd_image.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_pikvm_msd_image" "test" {
  name   = %q
  source = %q
}
`, name+".iso", imageSource(name))
		},
		ImportID: func(_ *Env, name string) string { return "kvm1:" + name + ".iso@" + imageSource(name) },
		// kvmd does not give an image's hash: an import learns it from
		// the source file at the next plan, not from the device.
		ImportIgnore: []string{"content_sha256"},
		TakeName: func(t *testing.T, env *Env, name string) {
			c, _ := env.Data(t).PiKVMs.Client("kvm1")
			if _, err := c.UploadFile(context.Background(), name+".iso", imageSource(name), true); err != nil {
				t.Fatalf("uploading %s.iso out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(_ *testing.T, env *Env, name string) { env.KVMD.Fake.RemoveImage(name + ".iso") },
		Exists: func(_ *testing.T, env *Env, name string) bool {
			return env.KVMD.Fake.ImageSHA256(name+".iso") != ""
		},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name + ".iso", "pikvm": "kvm1", "source": imageSource(name)}
		},
	}

	cases["rack_pikvm_gpio_output"] = Case{
		KVMD:    mockhost.KVMDOptions{GPIOSwitches: []string{"relay1"}},
		Address: "rack_pikvm_gpio_output.test",
		Config: func(_ *Env, _ string) string {
			return "resource \"rack_pikvm_gpio_output\" \"test\" {\n  channel = \"relay1\"\n  state   = true\n}\n"
		},
		ImportID: func(_ *Env, _ string) string { return "kvm1:relay1" },
		// A channel is part of the device's configuration: nothing takes
		// its name or deletes it at run time. One the device does not
		// have is "gone".
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"channel": name, "pikvm": "kvm1"}
		},
	}

	cases["rack_pikvm_power"] = Case{
		Address: "rack_pikvm_power.test",
		Config: func(_ *Env, _ string) string {
			return "resource \"rack_pikvm_power\" \"test\" {\n  state = \"on\"\n}\n"
		},
		ImportID:     func(_ *Env, _ string) string { return "kvm1" },
		ImportIgnore: []string{"on_destroy", "off_method"},
		NoGone:       "a machine's power cannot be gone: the resource is the PiKVM's ATX control, which exists while the device answers",
	}

	cases["rack_pikvm_msd_drive"] = Case{
		Address: "rack_pikvm_msd_drive.test",
		Config: func(_ *Env, _ string) string {
			return "resource \"rack_pikvm_msd_drive\" \"test\" {\n}\n"
		},
		ImportID: func(_ *Env, _ string) string { return "kvm1" },
		NoGone:   "the PiKVM's virtual drive cannot be gone: it exists while the device answers",
	}
}

// imageSource is a small file for the MSD image case, the same for every
// step of one run.
func imageSource(name string) string {
	path := filepath.Join(os.TempDir(), "rack-contract-"+name+".iso")
	if _, err := os.Stat(path); err != nil {
		_ = os.WriteFile(path, []byte(strings.Repeat(name, 1000)), 0o600)
	}
	return path
}
