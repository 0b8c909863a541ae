//! The stale-plan fingerprint of a DACL sees every byte a write would keep or lose.

use hybridctl_providers::ad::acl::LiveDacl;
use hybridctl_providers::ad::security::{control, Ace, SecurityDescriptor};

fn live() -> LiveDacl {
    let sd = SecurityDescriptor::decode(include_bytes!("fixtures/sd/user-dacl.bin")).unwrap();
    let mut aces = sd.dacl.unwrap().aces;
    // A conditional ACE the codec keeps as bytes: XA, mask 0x1f, SID WD, condition `artx...`.
    let mut body = vec![0x1f, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
    body.extend_from_slice(b"artx\x80\x00\x00\x00");
    aces.insert(
        0,
        Ace::Opaque {
            ace_type: 0x09,
            flags: 0,
            body,
        },
    );
    LiveDacl {
        control: sd.control,
        aces,
    }
}

#[test]
fn same_dacl_same_fingerprint() {
    assert_eq!(live().fingerprint(), live().fingerprint());
}

#[test]
fn opaque_ace_body_change_is_seen() {
    let before = live();
    let mut after = live();
    let Ace::Opaque { body, .. } = &mut after.aces[0] else {
        panic!("test ACE moved")
    };
    *body.last_mut().unwrap() ^= 1;
    assert_ne!(before.fingerprint(), after.fingerprint());
}

#[test]
fn opaque_ace_flag_change_is_seen() {
    let before = live();
    let mut after = live();
    let Ace::Opaque { flags, .. } = &mut after.aces[0] else {
        panic!("test ACE moved")
    };
    // Successful-access audit: a flag the old text form did not show for opaque ACEs.
    *flags |= 0x40;
    assert_ne!(before.fingerprint(), after.fingerprint());
}

#[test]
fn bookkeeping_flag_and_object_flags_of_an_access_ace_are_seen() {
    let before = live();
    let i = before
        .aces
        .iter()
        .position(|a| !a.is_inherited() && a.as_access().is_some())
        .unwrap();
    let mut after = live();
    let Ace::Access(a) = &mut after.aces[i] else {
        unreachable!()
    };
    a.flags |= 0x80;
    assert_ne!(before.fingerprint(), after.fingerprint());
    let mut after = live();
    let Ace::Access(a) = &mut after.aces[i] else {
        unreachable!()
    };
    a.trailer.extend_from_slice(&[0, 0, 0, 0]);
    assert_ne!(before.fingerprint(), after.fingerprint());
}

#[test]
fn kept_control_bits_are_seen_others_are_not() {
    let before = live();
    let mut after = live();
    after.control ^= control::DACL_PROTECTED;
    assert_ne!(before.fingerprint(), after.fingerprint());
    let mut after = live();
    after.control ^= control::DACL_AUTO_INHERITED;
    assert_ne!(before.fingerprint(), after.fingerprint());
    // The SACL's bits are not part of a DACL write.
    let mut after = live();
    after.control ^= control::SACL_AUTO_INHERITED;
    assert_eq!(before.fingerprint(), after.fingerprint());
}

#[test]
fn inherited_aces_are_not_part_of_the_plan() {
    let before = live();
    let mut after = live();
    let i = after
        .aces
        .iter()
        .position(Ace::is_inherited)
        .expect("fixture has inherited ACEs");
    after.aces.remove(i);
    assert_eq!(before.fingerprint(), after.fingerprint());
}
