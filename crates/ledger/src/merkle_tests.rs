use proptest::prelude::*;

use super::*;

/// The leaves and tree heads published with Certificate Transparency's reference
/// implementation (RFC 6962, same hashing as RFC 9162): roots of the first 0..=8 leaves.
const CT_LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];
const CT_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn h(hex_text: &str) -> Hash {
    Hash::from_slice(&hex::decode(hex_text).unwrap()).unwrap()
}

fn ct_leaf_hashes() -> Vec<Hash> {
    CT_LEAVES
        .iter()
        .map(|l| leaf_hash(&hex::decode(l).unwrap()))
        .collect()
}

/// MTH straight from RFC 9162 §2.1.1's recursive definition.
fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

/// Proof hashes from spans, computed the slow way: each span's MTH from its leaves.
fn resolve(spans: &[Span], leaves: &[Hash]) -> Vec<Hash> {
    spans
        .iter()
        .map(|s| reference_root(&leaves[s.start as usize..s.end as usize]))
        .collect()
}

/// The same hashes through the subtree decomposition the stored tree uses.
fn resolve_by_subtrees(spans: &[Span], leaves: &[Hash]) -> Vec<Hash> {
    spans
        .iter()
        .map(|s| {
            let parts: Vec<Hash> = s
                .subtrees()
                .iter()
                .map(|t| {
                    let start = (t.index << t.level) as usize;
                    perfect_hash(&leaves[start..start + (1usize << t.level)])
                })
                .collect();
            fold_right(&parts)
        })
        .collect()
}

fn leaves(n: usize) -> Vec<Hash> {
    (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

#[test]
fn roots_match_the_certificate_transparency_reference() {
    let leaves = ct_leaf_hashes();
    for (size, expected) in CT_ROOTS.iter().enumerate() {
        assert_eq!(reference_root(&leaves[..size]), h(expected), "size {size}");
        let mut frontier = Frontier::new();
        leaves[..size].iter().for_each(|l| frontier.push(*l));
        assert_eq!(frontier.root(), h(expected), "frontier at size {size}");
    }
}

#[test]
fn inclusion_proof_matches_the_reference_vector() {
    // Certificate Transparency's vector: leaf 0 of the 8-leaf tree.
    let leaves = ct_leaf_hashes();
    let proof = resolve(&inclusion_spans(0, 8), &leaves);
    let expected = [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ];
    assert_eq!(proof, expected.map(h).to_vec());
    verify_inclusion(&leaves[0], 0, 8, &proof, &h(CT_ROOTS[8])).unwrap();
}

#[test]
fn every_proof_of_small_trees_verifies_and_any_flipped_bit_fails() {
    let all = leaves(70);
    for size in 1..=70u64 {
        let tree = &all[..size as usize];
        let root = reference_root(tree);
        for index in 0..size {
            let spans = inclusion_spans(index, size);
            let proof = resolve(&spans, tree);
            assert_eq!(proof, resolve_by_subtrees(&spans, tree));
            verify_inclusion(&tree[index as usize], index, size, &proof, &root).unwrap();
            for i in 0..proof.len() {
                let mut bad = proof.clone();
                bad[i].0[i % 32] ^= 1;
                assert!(verify_inclusion(&tree[index as usize], index, size, &bad, &root).is_err());
            }
            let mut longer = proof.clone();
            longer.push(root);
            assert!(verify_inclusion(&tree[index as usize], index, size, &longer, &root).is_err());
            if !proof.is_empty() {
                assert!(
                    verify_inclusion(&tree[index as usize], index, size, &proof[1..], &root)
                        .is_err()
                );
            }
            if size > 1 {
                let other = (index + 1) % size;
                assert!(
                    verify_inclusion(&tree[index as usize], other, size, &proof, &root).is_err()
                );
            }
        }
        for old in 1..size {
            let spans = consistency_spans(old, size);
            let proof = resolve(&spans, tree);
            assert_eq!(proof, resolve_by_subtrees(&spans, tree));
            let old_root = reference_root(&tree[..old as usize]);
            verify_consistency(old, size, &old_root, &root, &proof).unwrap();
            for i in 0..proof.len() {
                let mut bad = proof.clone();
                bad[i].0[0] ^= 0x80;
                assert!(verify_consistency(old, size, &old_root, &root, &bad).is_err());
            }
            // A forked history: the same old size with a different root.
            let forked = reference_root(&leaves(old as usize + 1)[1..]);
            assert!(verify_consistency(old, size, &forked, &root, &proof).is_err());
        }
    }
}

#[test]
fn degenerate_consistency_cases() {
    let all = leaves(5);
    let root = reference_root(&all);
    verify_consistency(5, 5, &root, &root, &[]).unwrap();
    verify_consistency(0, 5, &empty_root(), &root, &[]).unwrap();
    assert_eq!(
        verify_consistency(6, 5, &root, &root, &[]),
        Err(ProofError::Shrunk { old: 6, new: 5 })
    );
    assert_eq!(
        verify_consistency(5, 5, &root, &empty_root(), &[]),
        Err(ProofError::RootMismatch)
    );
    assert_eq!(
        verify_inclusion(&all[0], 5, 5, &[], &root),
        Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
    );
}

proptest! {
    #[test]
    fn spans_of_large_trees_decompose_into_aligned_subtrees(size in 2u64..1 << 40, seed in any::<u64>()) {
        let index = seed % size;
        for span in inclusion_spans(index, size).into_iter().chain(consistency_spans(index.max(1).min(size - 1), size)) {
            let parts = span.subtrees();
            let mut at = span.start;
            for t in &parts {
                prop_assert_eq!(t.index << t.level, at);
                at += 1 << t.level;
            }
            prop_assert_eq!(at, span.end);
            prop_assert!(parts.len() <= 64);
        }
    }
}
