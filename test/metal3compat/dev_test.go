package metal3compat

import (
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"

	bmov1alpha1 "github.com/metal3-io/baremetal-operator/apis/metal3.io/v1alpha1"
)

// DEV ONLY (removed before commit): METAL3COMPAT_GROUP=baremetal.metal3.io runs against the
// project's own group while --serve-metal3-io does not exist yet.
var apiGroup = func() string {
	if g := os.Getenv("METAL3COMPAT_GROUP"); g != "" {
		return g
	}
	return bmov1alpha1.GroupVersion.Group
}()

var (
	apiPrefix        = "/apis/" + apiGroup + "/v1alpha1"
	metal3APIService = "v1alpha1." + apiGroup
)

var devServerArgs = func() []string {
	if apiGroup == bmov1alpha1.GroupVersion.Group {
		return []string{"--serve-metal3-io"}
	}
	return nil
}()

func devRBAC(s string) string {
	return strings.ReplaceAll(s, "[metal3.io]", "["+apiGroup+"]")
}

func addMetal3Types(s *runtime.Scheme) error {
	if apiGroup == bmov1alpha1.GroupVersion.Group {
		return bmov1alpha1.AddToScheme(s)
	}
	b := &scheme.Builder{GroupVersion: schema.GroupVersion{Group: apiGroup, Version: "v1alpha1"}}
	b.Register(&bmov1alpha1.BareMetalHost{}, &bmov1alpha1.BareMetalHostList{},
		&bmov1alpha1.HardwareData{}, &bmov1alpha1.HardwareDataList{},
		&bmov1alpha1.HostFirmwareSettings{}, &bmov1alpha1.HostFirmwareSettingsList{},
		&bmov1alpha1.FirmwareSchema{}, &bmov1alpha1.FirmwareSchemaList{},
		&bmov1alpha1.HostFirmwareComponents{}, &bmov1alpha1.HostFirmwareComponentsList{},
		&bmov1alpha1.PreprovisioningImage{}, &bmov1alpha1.PreprovisioningImageList{},
		&bmov1alpha1.DataImage{}, &bmov1alpha1.DataImageList{},
		&bmov1alpha1.BMCEventSubscription{}, &bmov1alpha1.BMCEventSubscriptionList{},
		&bmov1alpha1.HostUpdatePolicy{}, &bmov1alpha1.HostUpdatePolicyList{})
	return b.AddToScheme(s)
}
