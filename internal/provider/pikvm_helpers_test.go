package provider_test

import (
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/pikvm"
)

// pikvmClient talks to the fake directly, for changes made by hand.
func pikvmClient(t *testing.T, k *acctest.KVMDHost) *pikvm.Client {
	t.Helper()
	c, err := pikvm.New(pikvm.Device{Name: "oob", URL: k.Fake.URL(), Username: "admin", Password: k.Password}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pikvmClientTOTP is pikvmClient for a device with two-factor on.
func pikvmClientTOTP(t *testing.T, k *acctest.KVMDHost, secret string) *pikvm.Client {
	t.Helper()
	c, err := pikvm.New(pikvm.Device{Name: "oob", URL: k.Fake.URL(), Username: "admin", Password: k.Password, TOTPSecret: secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
