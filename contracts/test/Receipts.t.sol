// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Receipts} from "../src/Receipts.sol";
import {IShareObserver} from "../src/interfaces/IShareObserver.sol";
import {CaravanTest} from "./utils/CaravanTest.sol";

/// @dev Records the share balance it sees when told shares are about to change.
contract RecordingObserver is IShareObserver {
    Receipts public immutable receipts;
    uint256 public calls;
    uint256 public lastAssetId;
    address public lastHolder;
    uint256 public sharesSeen;

    constructor(Receipts receipts_) {
        receipts = receipts_;
    }

    function onSharesChanging(uint256 assetId, address holder) external {
        ++calls;
        lastAssetId = assetId;
        lastHolder = holder;
        sharesSeen = receipts.sharesOf(assetId, holder);
    }
}

contract ReceiptsTest is CaravanTest {
    event ReceiptIssued(uint256 indexed receiptId, uint256 indexed assetId, address indexed holder, uint256 shares);
    event ReceiptRebound(uint256 indexed receiptId, address indexed from, address indexed to);
    event Locked(uint256 tokenId);

    uint256 internal asset;
    uint256 internal newKey = 0xA11CE2;
    address internal newAddr;

    function setUp() public override {
        super.setUp();
        asset = _registerDataset(alice);
        newAddr = vm.addr(newKey);
    }

    function _rebindSig(uint256 signerKey, address from, address to, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(abi.encode(receipts.REBIND_TYPEHASH(), from, to, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", receipts.DOMAIN_SEPARATOR(), structHash));
        assertEq(digest, receipts.rebindDigest(from, to, nonce, deadline));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, digest);
        return abi.encodePacked(r, s, v);
    }

    function _ids(uint256 a) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = a;
    }

    function test_issue_mintsLockedReceipt() public {
        vm.expectEmit(address(receipts));
        emit Locked(1);
        vm.expectEmit(address(receipts));
        emit ReceiptIssued(1, asset, bob, 100);
        uint256 id = _issue(bob, asset, 100);

        assertEq(id, 1);
        assertEq(receipts.ownerOf(1), bob);
        assertTrue(receipts.locked(1));
        (uint256 assetId, uint256 shares) = receipts.receiptInfo(1);
        assertEq(assetId, asset);
        assertEq(shares, 100);
        assertEq(receipts.sharesOf(asset, bob), 100);
        assertEq(receipts.totalShares(asset), 100);
        assertEq(receipts.receiptCount(), 1);
        assertEq(receipts.balanceOf(bob), 1);
        assertEq(receipts.tokenURI(1), "ipfs://d");
    }

    function test_issue_accumulatesSharesPerHolder() public {
        _issue(bob, asset, 10);
        _issue(bob, asset, 5);
        _issue(carol, asset, 7);
        assertEq(receipts.sharesOf(asset, bob), 15);
        assertEq(receipts.sharesOf(asset, carol), 7);
        assertEq(receipts.totalShares(asset), 22);
        assertEq(receipts.balanceOf(bob), 2);
    }

    function test_issue_revertsWithReceiptsUnauthorizedIssuer() public {
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsUnauthorizedIssuer.selector, bob));
        vm.prank(bob);
        receipts.issue(bob, asset, 1);
    }

    function test_issue_revertsWithReceiptsUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsUnknownAsset.selector, 99));
        _issue(bob, 99, 1);
    }

    function test_issue_revertsWithReceiptsInvalidShares() public {
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsInvalidShares.selector, 0));
        _issue(bob, asset, 0);
    }

    function test_issue_revertsWithReceiptsSharesAboveCap() public {
        uint256 cap = receipts.MAX_SHARES_PER_ISSUE();
        _issue(bob, asset, cap); // a whole asset in one receipt is fine
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsSharesAboveCap.selector, cap + 1, cap));
        _issue(bob, asset, cap + 1);
        uint256 huge = uint256(type(uint128).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsSharesAboveCap.selector, huge, cap));
        _issue(bob, asset, huge);
    }

    function test_totalVotingUnits_sumsEveryHoldersShares() public {
        assertEq(receipts.totalVotingUnits(), 0);
        _issue(bob, asset, 40);
        _issue(carol, asset, 2);
        assertEq(receipts.totalVotingUnits(), 42);
        vm.roll(block.number + 1);
        assertEq(receipts.getPastTotalSupply(block.number - 1), 42);
    }

    function testFuzz_issue_capsSharesPerIssue(uint256 shares) public {
        uint256 cap = receipts.MAX_SHARES_PER_ISSUE();
        if (shares == 0) {
            vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsInvalidShares.selector, 0));
        } else if (shares > cap) {
            vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsSharesAboveCap.selector, shares, cap));
        }
        _issue(bob, asset, shares);
        assertEq(receipts.sharesOf(asset, bob), shares == 0 || shares > cap ? 0 : shares);
    }

    function test_issue_revertsWithERC721InvalidReceiver() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(0)));
        _issue(address(0), asset, 1);
    }

    function test_transferFrom_revertsWithReceiptsNonTransferable() public {
        _issue(bob, asset, 1);
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsNonTransferable.selector, 1));
        vm.prank(bob);
        receipts.transferFrom(bob, carol, 1);
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsNonTransferable.selector, 1));
        vm.prank(bob);
        receipts.safeTransferFrom(bob, carol, 1);
        assertEq(receipts.ownerOf(1), bob);
    }

    function test_approve_revertsWithReceiptsNonTransferable() public {
        _issue(bob, asset, 1);
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsNonTransferable.selector, 1));
        vm.prank(bob);
        receipts.approve(carol, 1);
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsNonTransferable.selector, 0));
        vm.prank(bob);
        receipts.setApprovalForAll(carol, true);
    }

    function test_locked_revertsWithERC721NonexistentToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 5));
        receipts.locked(5);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 5));
        receipts.receiptInfo(5);
    }

    function test_supportsInterface_erc721AndErc5192() public view {
        assertTrue(receipts.supportsInterface(0xb45a3c0e));
        assertTrue(receipts.supportsInterface(type(IERC721).interfaceId));
        assertFalse(receipts.supportsInterface(0xdeadbeef));
    }

    function test_votes_checkpointedAtIssue() public {
        vm.roll(10);
        _issue(bob, asset, 40);
        vm.roll(20);
        _issue(bob, asset, 2);
        _issue(carol, asset, 8);
        vm.roll(30);
        assertEq(receipts.delegates(bob), bob);
        assertEq(receipts.getVotes(bob), 42);
        assertEq(receipts.getPastVotes(bob, 9), 0);
        assertEq(receipts.getPastVotes(bob, 10), 40);
        assertEq(receipts.getPastVotes(bob, 19), 40);
        assertEq(receipts.getPastVotes(bob, 20), 42);
        assertEq(receipts.getPastTotalSupply(15), 40);
        assertEq(receipts.getPastTotalSupply(25), 50);
    }

    function test_delegate_movesVotes() public {
        _issue(bob, asset, 40);
        vm.prank(bob);
        receipts.delegate(carol);
        assertEq(receipts.getVotes(bob), 0);
        assertEq(receipts.getVotes(carol), 40);
    }

    function test_rebind_movesReceiptsSharesAndVotes() public {
        uint256 first = _issue(bob, asset, 30);
        uint256 other = _registerDataset(carol);
        uint256 second = _issue(bob, other, 12);
        uint256[] memory ids = new uint256[](2);
        ids[0] = first;
        ids[1] = second;
        bytes memory sig = _rebindSig(newKey, bob, newAddr, 0, block.timestamp + 1 hours);

        vm.roll(block.number + 1);
        vm.expectEmit(address(receipts));
        emit ReceiptRebound(first, bob, newAddr);
        vm.prank(bob);
        receipts.rebind(ids, newAddr, block.timestamp + 1 hours, sig);

        assertEq(receipts.ownerOf(first), newAddr);
        assertEq(receipts.ownerOf(second), newAddr);
        assertEq(receipts.sharesOf(asset, bob), 0);
        assertEq(receipts.sharesOf(asset, newAddr), 30);
        assertEq(receipts.sharesOf(other, newAddr), 12);
        assertEq(receipts.totalShares(asset), 30);
        assertEq(receipts.getVotes(bob), 0);
        assertEq(receipts.getVotes(newAddr), 42);
        assertEq(receipts.nonces(newAddr), 1);
        assertTrue(receipts.locked(first));
        // Still not transferable by the new holder.
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsNonTransferable.selector, first));
        vm.prank(newAddr);
        receipts.transferFrom(newAddr, bob, first);
    }

    function test_rebind_revertsWithReceiptsInvalidSignature() public {
        _issue(bob, asset, 30);
        // Signed by someone other than the target.
        bytes memory sig = _rebindSig(0xBAD, bob, newAddr, 0, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsInvalidSignature.selector, newAddr));
        vm.prank(bob);
        receipts.rebind(_ids(1), newAddr, block.timestamp, sig);
    }

    function test_rebind_revertsWithReceiptsInvalidSignatureOnReplay() public {
        _issue(bob, asset, 30);
        bytes memory sig = _rebindSig(newKey, bob, newAddr, 0, block.timestamp);
        vm.prank(bob);
        receipts.rebind(_ids(1), newAddr, block.timestamp, sig);
        _issue(bob, asset, 5);
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsInvalidSignature.selector, newAddr));
        vm.prank(bob);
        receipts.rebind(_ids(2), newAddr, block.timestamp, sig);
    }

    function test_rebind_revertsWithReceiptsNotHolder() public {
        _issue(bob, asset, 30);
        // Carol cannot use a consent addressed to bob's receipts, nor move bob's receipt.
        bytes memory sig = _rebindSig(newKey, carol, newAddr, 0, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsNotHolder.selector, carol, 1));
        vm.prank(carol);
        receipts.rebind(_ids(1), newAddr, block.timestamp, sig);
    }

    function test_rebind_revertsWithReceiptsExpiredSignature() public {
        _issue(bob, asset, 30);
        uint256 deadline = block.timestamp;
        bytes memory sig = _rebindSig(newKey, bob, newAddr, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsExpiredSignature.selector, deadline));
        vm.prank(bob);
        receipts.rebind(_ids(1), newAddr, deadline, sig);
    }

    function test_rebind_revertsWithReceiptsInvalidRebindTarget() public {
        _issue(bob, asset, 30);
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsInvalidRebindTarget.selector, address(0)));
        vm.prank(bob);
        receipts.rebind(_ids(1), address(0), block.timestamp, "");
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsInvalidRebindTarget.selector, bob));
        vm.prank(bob);
        receipts.rebind(_ids(1), bob, block.timestamp, "");
    }

    function test_setShareObserver_notifiedBeforeSharesChange() public {
        RecordingObserver observer = new RecordingObserver(receipts);
        vm.prank(admin);
        receipts.setShareObserver(address(observer));
        assertEq(receipts.shareObserver(), address(observer));

        _issue(bob, asset, 10);
        assertEq(observer.calls(), 1);
        assertEq(observer.lastHolder(), bob);
        assertEq(observer.sharesSeen(), 0);
        _issue(bob, asset, 5);
        assertEq(observer.sharesSeen(), 10);

        bytes memory sig = _rebindSig(newKey, bob, newAddr, 0, block.timestamp);
        vm.prank(bob);
        receipts.rebind(_ids(1), newAddr, block.timestamp, sig);
        assertEq(observer.calls(), 4);
        assertEq(observer.lastHolder(), newAddr);
        assertEq(observer.sharesSeen(), 0);
    }

    function test_setShareObserver_revertsWithReceiptsUnauthorizedAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsUnauthorizedAdmin.selector, operator));
        vm.prank(operator);
        receipts.setShareObserver(address(1));
    }

    function test_setShareObserver_revertsWithReceiptsShareObserverAlreadySet() public {
        vm.startPrank(admin);
        receipts.setShareObserver(address(1));
        vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsShareObserverAlreadySet.selector, address(1)));
        receipts.setShareObserver(address(2));
        vm.stopPrank();
    }

    function testFuzz_issue_sharesAndVotesAddUp(uint128[4] memory amounts, uint8 holderSeed) public {
        address[3] memory holders = [bob, carol, alice];
        uint256 total;
        for (uint256 i = 0; i < amounts.length; ++i) {
            uint256 shares = bound(amounts[i], 1, receipts.MAX_SHARES_PER_ISSUE());
            address holder = holders[(uint256(holderSeed) + i) % 3];
            _issue(holder, asset, shares);
            total += shares;
        }
        assertEq(receipts.totalShares(asset), total);
        assertEq(
            receipts.sharesOf(asset, bob) + receipts.sharesOf(asset, carol) + receipts.sharesOf(asset, alice), total
        );
        assertEq(receipts.getVotes(bob) + receipts.getVotes(carol) + receipts.getVotes(alice), total);
    }

    function testFuzz_rebind_onlyWithTargetSignature(uint256 signerKey, uint256 shares) public {
        signerKey = bound(signerKey, 1, 1e30);
        shares = bound(shares, 1, receipts.MAX_SHARES_PER_ISSUE());
        _issue(bob, asset, shares);
        bytes memory sig = _rebindSig(signerKey, bob, newAddr, 0, block.timestamp);
        vm.prank(bob);
        if (signerKey != newKey) {
            vm.expectRevert(abi.encodeWithSelector(Receipts.ReceiptsInvalidSignature.selector, newAddr));
            receipts.rebind(_ids(1), newAddr, block.timestamp, sig);
            assertEq(receipts.ownerOf(1), bob);
        } else {
            receipts.rebind(_ids(1), newAddr, block.timestamp, sig);
            assertEq(receipts.ownerOf(1), newAddr);
        }
        assertEq(receipts.sharesOf(asset, bob) + receipts.sharesOf(asset, newAddr), shares);
    }
}
