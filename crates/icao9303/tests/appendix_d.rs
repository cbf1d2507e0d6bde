//! ICAO 9303-11 Appendix D (worked example of BAC and secure messaging), reproduced byte for
//! byte by the terminal side and by the chip side.

use icao9303::bac::{kseed, BacCard, BacKeys, BacTerminal};
use icao9303::sm::{CardSecureMessaging, SecureMessaging};
use iso7816::{CommandApdu, ResponseApdu, StatusWord};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}
fn a8(s: &str) -> [u8; 8] {
    h(s).try_into().unwrap()
}
fn a16(s: &str) -> [u8; 16] {
    h(s).try_into().unwrap()
}

const MRZ_INFO: &str = "L898902C<369080619406236";
const RND_IC: &str = "4608F91988702212";
const RND_IFD: &str = "781723860C06C226";
const K_IFD: &str = "0B795240CB7049B01C19B33E32804F0B";
const K_IC: &str = "0B4F80323EB3191CB04970CB4052790B";
const EA_DATA: &str =
    "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7";
const EA_ANSWER: &str =
    "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449";

#[test]
fn d2_key_derivation() {
    assert_eq!(
        icao9303::mrz::bac_mrz_information("L898902C<", "690806", "940623").unwrap(),
        MRZ_INFO
    );
    assert_eq!(
        hex::encode_upper(kseed(MRZ_INFO)),
        "239AB9CB282DAF66231DC5A4DF6BFBAE"
    );
    let keys = BacKeys::from_mrz_information(MRZ_INFO);
    assert_eq!(
        hex::encode_upper(keys.k_enc()),
        "AB94FDECF2674FDFB9B391F85D7F76F2"
    );
    assert_eq!(
        hex::encode_upper(keys.k_mac()),
        "7962D9ECE03D1ACD4C76089DCE131543"
    );
}

#[test]
fn d3_mutual_authentication_both_sides() {
    let terminal = BacTerminal::new(
        BacKeys::from_mrz_information(MRZ_INFO),
        a8(RND_IC),
        a8(RND_IFD),
        a16(K_IFD),
    );
    let cmd = terminal.external_authenticate_command();
    assert_eq!(hex::encode_upper(&cmd.data), EA_DATA);
    assert_eq!(
        cmd.to_bytes().unwrap(),
        h(&format!("0082000028{EA_DATA}28"))
    );
    // The chip, with the same randoms, produces the published answer.
    let card = BacCard::new(
        BacKeys::from_mrz_information(MRZ_INFO),
        a8(RND_IC),
        a16(K_IC),
    );
    let (answer, card_keys) = card.respond(&cmd.data).unwrap();
    assert_eq!(hex::encode_upper(&answer), EA_ANSWER);
    let keys = terminal.complete(&h(EA_ANSWER)).unwrap();
    assert_eq!(
        hex::encode_upper(keys.ks_enc),
        "979EC13B1CBFE9DCD01AB0FED307EAE5"
    );
    assert_eq!(
        hex::encode_upper(keys.ks_mac),
        "F1CB1F1FB5ADF208806B89DC579DC1F8"
    );
    assert_eq!(hex::encode_upper(keys.ssc), "887022120C06C226");
    assert_eq!(card_keys.ks_enc, keys.ks_enc);
    assert_eq!(card_keys.ks_mac, keys.ks_mac);
    assert_eq!(card_keys.ssc, keys.ssc);
}

#[test]
fn d3_wrong_keys_or_tampering_fail() {
    let terminal = BacTerminal::new(
        BacKeys::from_mrz_information("L898902C<369080619406237"),
        a8(RND_IC),
        a8(RND_IFD),
        a16(K_IFD),
    );
    let card = BacCard::new(
        BacKeys::from_mrz_information(MRZ_INFO),
        a8(RND_IC),
        a16(K_IC),
    );
    assert!(card
        .respond(&terminal.external_authenticate_command().data)
        .is_err());
    let terminal = BacTerminal::new(
        BacKeys::from_mrz_information(MRZ_INFO),
        a8(RND_IC),
        a8(RND_IFD),
        a16(K_IFD),
    );
    let mut answer = h(EA_ANSWER);
    answer[0] ^= 1;
    assert!(terminal.complete(&answer).is_err());
    let card = BacCard::new(
        BacKeys::from_mrz_information(MRZ_INFO),
        a8("0000000000000000"),
        a16(K_IC),
    );
    assert!(
        card.respond(&h(EA_DATA)).is_err(),
        "a replay against another challenge fails"
    );
}

fn session() -> (SecureMessaging, CardSecureMessaging) {
    let card = BacCard::new(
        BacKeys::from_mrz_information(MRZ_INFO),
        a8(RND_IC),
        a16(K_IC),
    );
    let (_, card_keys) = card.respond(&h(EA_DATA)).unwrap();
    let terminal = BacTerminal::new(
        BacKeys::from_mrz_information(MRZ_INFO),
        a8(RND_IC),
        a8(RND_IFD),
        a16(K_IFD),
    );
    let keys = terminal.complete(&h(EA_ANSWER)).unwrap();
    (
        SecureMessaging::new(keys),
        CardSecureMessaging::new(card_keys),
    )
}

#[test]
fn d4_secure_messaging_both_sides() {
    let (mut t, mut c) = session();
    let steps: [(CommandApdu, &str, &str, &str); 3] = [
        (
            CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(h("011E")),
            "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
            "990290008E08FA855A5D4C50A8ED9000",
            "",
        ),
        (CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_ne(4), "0CB000000D9701048E08ED6705417E96BA5500", "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000", "60145F01"),
        (
            CommandApdu::new(0x00, 0xB0, 0x00, 0x04).with_ne(18),
            "0CB000040D9701128E082EA28A70F3C7B53500",
            "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
            "04303130365F36063034303030305C026175",
        ),
    ];
    for (plain, protected, answer, data) in steps {
        let wrapped = t.wrap(&plain).unwrap();
        assert_eq!(hex::encode_upper(wrapped.to_bytes().unwrap()), protected);
        // Chip side: unwraps the published command to the plain one and produces the answer.
        assert_eq!(
            c.unwrap_command(&CommandApdu::parse(&h(protected)).unwrap())
                .unwrap(),
            plain
        );
        let card_answer = c.wrap_response(&ResponseApdu::new(h(data), StatusWord::SUCCESS));
        assert_eq!(hex::encode_upper(card_answer.to_bytes()), answer);
        let r = t.unwrap(&ResponseApdu::parse(&h(answer)).unwrap()).unwrap();
        assert_eq!(r.data, h(data));
        assert_eq!(r.sw, StatusWord::SUCCESS);
    }
}
