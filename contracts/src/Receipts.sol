// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {IAssetRegistry} from "./interfaces/IAssetRegistry.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {IShareObserver} from "./interfaces/IShareObserver.sol";

/**
 * @title Receipts
 * @notice Non-transferable (ERC-5192) ERC-721 receipts for contributions to Caravan assets. Each receipt records a
 * number of shares in one asset; a holder's shares in an asset are the sum over their receipts and entitle them to
 * that share of the asset's revenue (see RevenuePool). Receipts are issued by the registry's operators.
 *
 * A receipt never moves except through {rebind}: its holder moves it to a new address of their own (key rotation),
 * which proves ownership by signing an EIP-712 `Rebind` message.
 *
 * Receipts carry governance weight: each share is one voting unit, checkpointed per block (OpenZeppelin {Votes}).
 * Holders are delegated to themselves when they first receive a receipt and may re-delegate. Voting units are not
 * votes in the governor as they stand: {CaravanGovernor} scales them so that all receipts together carry a fixed
 * fraction of the voting power (see {GovernorDualVotes}); shares keep their meaning for revenue.
 *
 * One issuance carries at most {MAX_SHARES_PER_ISSUE} shares, the platform's whole asset (it splits each asset into
 * 1,000,000 shares), so a mistaken or compromised operator call cannot mint an unbounded stake in one receipt.
 */
contract Receipts is ERC721, EIP712, Votes, IERC5192 {
    /// @notice EIP-712 type of the new holder's consent to a rebind.
    bytes32 public constant REBIND_TYPEHASH =
        keccak256("Rebind(address from,address to,uint256 nonce,uint256 deadline)");

    /// @notice The most shares one receipt may carry: one whole asset as the platform splits it.
    uint256 public constant MAX_SHARES_PER_ISSUE = 1_000_000;

    /// @dev ERC-5192 interface id.
    bytes4 private constant _INTERFACE_ID_ERC5192 = 0xb45a3c0e;

    struct ReceiptData {
        uint128 assetId;
        uint128 shares;
    }

    /// @notice The registry whose assets receipts refer to and whose operators issue them.
    IAssetRegistry public immutable registry;

    IShareObserver private _shareObserver;
    uint256 private _receiptCount;
    mapping(uint256 receiptId => ReceiptData) private _receipts;
    mapping(uint256 assetId => mapping(address holder => uint256)) private _shares;
    mapping(uint256 assetId => uint256) private _totalShares;
    mapping(address holder => uint256) private _votingUnits;
    bool private transient _rebinding;

    /// @notice Emitted when a receipt is issued.
    event ReceiptIssued(uint256 indexed receiptId, uint256 indexed assetId, address indexed holder, uint256 shares);

    /// @notice Emitted when a receipt moves to its holder's new address.
    event ReceiptRebound(uint256 indexed receiptId, address indexed from, address indexed to);

    /// @notice Emitted once, when the share observer (the revenue pool) is set.
    event ShareObserverSet(address indexed observer);

    /// @notice Receipts cannot be transferred or approved.
    error ReceiptsNonTransferable(uint256 receiptId);

    /// @notice `account` lacks the registry's operator role.
    error ReceiptsUnauthorizedIssuer(address account);

    /// @notice `account` lacks the registry's admin role.
    error ReceiptsUnauthorizedAdmin(address account);

    /// @notice No asset `assetId` in the registry.
    error ReceiptsUnknownAsset(uint256 assetId);

    /// @notice A receipt must carry at least one share.
    error ReceiptsInvalidShares(uint256 shares);

    /// @notice A receipt may carry at most `cap` ({MAX_SHARES_PER_ISSUE}) shares; `shares` were asked for.
    error ReceiptsSharesAboveCap(uint256 shares, uint256 cap);

    /// @notice `account` does not hold receipt `receiptId`.
    error ReceiptsNotHolder(address account, uint256 receiptId);

    /// @notice A rebind target must be a new, non-zero address.
    error ReceiptsInvalidRebindTarget(address to);

    /// @notice The rebind consent expired at `deadline`.
    error ReceiptsExpiredSignature(uint256 deadline);

    /// @notice The rebind consent was not signed by `to`.
    error ReceiptsInvalidSignature(address to);

    /// @notice The share observer is already set.
    error ReceiptsShareObserverAlreadySet(address observer);

    /**
     * @param registry_ the asset registry
     */
    constructor(address registry_) ERC721("Caravan Receipt", "CRCPT") EIP712("Caravan Receipts", "1") {
        registry = IAssetRegistry(registry_);
    }

    /**
     * @notice Issues a receipt for `shares` shares of `assetId` to `to`.
     * @dev Only accounts with the registry's OPERATOR_ROLE. Receipt ids start at 1. `shares` is between 1 and
     * {MAX_SHARES_PER_ISSUE}.
     * @return receiptId the new receipt's id
     */
    function issue(address to, uint256 assetId, uint256 shares) external returns (uint256 receiptId) {
        if (!registry.isOperator(msg.sender)) revert ReceiptsUnauthorizedIssuer(msg.sender);
        if (!registry.exists(assetId)) revert ReceiptsUnknownAsset(assetId);
        if (shares == 0) revert ReceiptsInvalidShares(shares);
        if (shares > MAX_SHARES_PER_ISSUE) revert ReceiptsSharesAboveCap(shares, MAX_SHARES_PER_ISSUE);

        // Cannot overflow: one id per issuance.
        unchecked {
            receiptId = ++_receiptCount;
        }
        // Both fit: registry ids are sequential (far below 2**128) and shares are at most MAX_SHARES_PER_ISSUE.
        _receipts[receiptId] = ReceiptData({assetId: uint128(assetId), shares: uint128(shares)});
        _mint(to, receiptId); // reverts for to == address(0)

        _notifyObserver(assetId, to);
        _shares[assetId][to] += shares;
        _totalShares[assetId] += shares;
        // Self-delegate first-time holders before their units grow, so the new units are counted once.
        if (delegates(to) == address(0)) _delegate(to, to);
        _votingUnits[to] += shares;
        _transferVotingUnits(address(0), to, shares);

        emit Locked(receiptId);
        emit ReceiptIssued(receiptId, assetId, to, shares);
    }

    /**
     * @notice Moves the caller's receipts `receiptIds` to `to`, a new address of theirs (key rotation).
     * @dev `to` proves it consents by signing the EIP-712 message
     * `Rebind(address from,address to,uint256 nonce,uint256 deadline)` with `from` = the caller and `nonce` =
     * `nonces(to)`. Contract wallets sign through ERC-1271. Shares, voting units and revenue follow the receipts.
     */
    function rebind(uint256[] calldata receiptIds, address to, uint256 deadline, bytes calldata signature) external {
        address from = msg.sender;
        if (to == address(0) || to == from) revert ReceiptsInvalidRebindTarget(to);
        if (block.timestamp > deadline) revert ReceiptsExpiredSignature(deadline);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(REBIND_TYPEHASH, from, to, _useNonce(to), deadline)));
        if (!SignatureChecker.isValidSignatureNow(to, digest, signature)) revert ReceiptsInvalidSignature(to);

        if (delegates(to) == address(0)) _delegate(to, to);
        uint256 movedUnits = 0;
        _rebinding = true;
        for (uint256 i = 0; i < receiptIds.length; ++i) {
            uint256 receiptId = receiptIds[i];
            if (_ownerOf(receiptId) != from) revert ReceiptsNotHolder(from, receiptId);
            ReceiptData memory data = _receipts[receiptId];
            _notifyObserver(data.assetId, from);
            _notifyObserver(data.assetId, to);
            _shares[data.assetId][from] -= data.shares;
            _shares[data.assetId][to] += data.shares;
            movedUnits += data.shares;
            _update(to, receiptId, address(0));
            emit ReceiptRebound(receiptId, from, to);
        }
        _rebinding = false;
        _votingUnits[from] -= movedUnits;
        _votingUnits[to] += movedUnits;
        _transferVotingUnits(from, to, movedUnits);
    }

    /**
     * @notice Sets the contract told before shares change (the revenue pool). Once only.
     * @dev Only the registry's admin.
     */
    function setShareObserver(address observer) external {
        if (!registry.isAdmin(msg.sender)) revert ReceiptsUnauthorizedAdmin(msg.sender);
        address current = address(_shareObserver);
        if (current != address(0)) revert ReceiptsShareObserverAlreadySet(current);
        _shareObserver = IShareObserver(observer);
        emit ShareObserverSet(observer);
    }

    /// @notice The EIP-712 domain separator used for rebind consents.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice The EIP-712 digest `to` signs to consent to receive `from`'s receipts.
    function rebindDigest(address from, address to, uint256 nonce, uint256 deadline) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(REBIND_TYPEHASH, from, to, nonce, deadline)));
    }

    /// @notice The asset and share count of `receiptId`; reverts for an unknown receipt.
    function receiptInfo(uint256 receiptId) external view returns (uint256 assetId, uint256 shares) {
        _requireOwned(receiptId);
        ReceiptData memory data = _receipts[receiptId];
        return (data.assetId, data.shares);
    }

    /// @notice The shares `holder` has in `assetId` across all their receipts.
    function sharesOf(uint256 assetId, address holder) external view returns (uint256) {
        return _shares[assetId][holder];
    }

    /// @notice All issued shares of `assetId`.
    function totalShares(uint256 assetId) external view returns (uint256) {
        return _totalShares[assetId];
    }

    /**
     * @notice All voting units (every holder's shares across all assets) now; {getPastTotalSupply} gives them at a
     * past block. With the token's supply and the governor's `receiptVoteBps`, this prices a receipt vote at the
     * current block, which `getPastTotalSupply` refuses.
     */
    function totalVotingUnits() external view returns (uint256) {
        return _getTotalSupply();
    }

    /// @notice The number of receipts issued (also the highest receipt id).
    function receiptCount() external view returns (uint256) {
        return _receiptCount;
    }

    /// @notice The contract told before shares change (the revenue pool), or zero.
    function shareObserver() external view returns (address) {
        return address(_shareObserver);
    }

    /// @inheritdoc IERC5192
    function locked(uint256 receiptId) external view returns (bool) {
        _requireOwned(receiptId);
        return true;
    }

    /// @notice The metadata URI of the receipt's asset.
    function tokenURI(uint256 receiptId) public view override returns (string memory) {
        _requireOwned(receiptId);
        return registry.assetOf(_receipts[receiptId].assetId).uri;
    }

    /// @notice Always reverts: receipts cannot be approved.
    function approve(address, uint256 receiptId) public pure override {
        revert ReceiptsNonTransferable(receiptId);
    }

    /// @notice Always reverts: receipts cannot be approved.
    function setApprovalForAll(address, bool) public pure override {
        revert ReceiptsNonTransferable(0);
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == _INTERFACE_ID_ERC5192 || super.supportsInterface(interfaceId);
    }

    /// @dev Only mints and rebinds may move a receipt.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (!_rebinding && _ownerOf(tokenId) != address(0)) revert ReceiptsNonTransferable(tokenId);
        return super._update(to, tokenId, auth);
    }

    /// @dev A holder's voting units are their shares across all assets.
    function _getVotingUnits(address account) internal view override returns (uint256) {
        return _votingUnits[account];
    }

    /// @dev Tells the share observer, if any, that the shares of `holder` in `assetId` are about to change.
    function _notifyObserver(uint256 assetId, address holder) private {
        IShareObserver observer = _shareObserver;
        if (address(observer) != address(0)) observer.onSharesChanging(assetId, holder);
    }
}
