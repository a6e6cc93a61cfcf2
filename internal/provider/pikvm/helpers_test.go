package pikvm_test

import (
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/kvmd"
)

// pikvmClient talks to the fake directly, for changes made by hand.
func pikvmClient(t *testing.T, k *acctest.KVMDHost) *kvmd.Client {
	t.Helper()
	c, err := kvmd.New(kvmd.Device{Name: "oob", URL: k.Fake.URL(), Username: "admin", Password: k.Password}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pikvmClientTOTP is pikvmClient for a device with two-factor on.
func pikvmClientTOTP(t *testing.T, k *acctest.KVMDHost, secret string) *kvmd.Client {
	t.Helper()
	c, err := kvmd.New(kvmd.Device{Name: "oob", URL: k.Fake.URL(), Username: "admin", Password: k.Password, TOTPSecret: secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
