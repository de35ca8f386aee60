// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAssetRegistry} from "./interfaces/IAssetRegistry.sol";
import {IRevenuePool} from "./interfaces/IRevenuePool.sol";

/**
 * @title Licenses
 * @notice Licenses to use Caravan assets, as transferable ERC-721 tokens so that wallets and marketplaces see them.
 *
 * An asset's owner (or a platform operator) offers terms: PERIOD (access for a duration), PERPETUAL, or API (a
 * duration plus a call quota the platform meters), at a price in ETH or an ERC-20 accepted by the revenue pool.
 * A purchase snapshots the terms' kind, duration, quota and price into the license and refuses a price above the
 * buyer's `maxPrice` (a guard against a price change landing first). Payments go straight to the
 * {RevenuePool} as the asset's revenue. Renewal, in the style of ERC-5643, extends a license by its snapshotted
 * duration from `max(now, expiry)` at the terms' current price. Terms can be retired: no new sales or renewals,
 * while licenses already sold stay valid until they expire.
 */
contract Licenses is ERC721, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice License kinds. Encoded as uint8: PERIOD = 0, PERPETUAL = 1, API = 2.
    enum LicenseKind {
        PERIOD,
        PERPETUAL,
        API
    }

    /// @notice Terms on offer for an asset.
    struct Terms {
        uint64 assetId;
        uint64 duration;
        uint64 quota;
        LicenseKind kind;
        bool active;
        address currency;
        uint256 price;
    }

    /// @notice A license sold, with the terms snapshotted at purchase.
    struct License {
        uint64 termsId;
        uint64 assetId;
        uint64 expiresAt;
        uint64 duration;
        address currency;
        uint64 quota;
        LicenseKind kind;
        uint256 pricePaid;
    }

    /// @notice Expiry reported for perpetual licenses.
    uint64 public constant PERPETUAL_EXPIRY = type(uint64).max;

    /// @notice The asset registry.
    IAssetRegistry public immutable registry;
    /// @notice Where payments go.
    IRevenuePool public immutable revenuePool;

    uint256 private _termsCount;
    uint256 private _licenseCount;
    mapping(uint256 termsId => Terms) private _terms;
    mapping(uint256 licenseId => License) private _licenses;

    /// @notice Emitted when terms are offered.
    event TermsCreated(
        uint256 indexed termsId,
        uint256 indexed assetId,
        LicenseKind kind,
        address currency,
        uint256 price,
        uint64 duration,
        uint64 quota
    );
    /// @notice Emitted when the price of terms changes.
    event TermsPriceUpdated(uint256 indexed termsId, uint256 price);
    /// @notice Emitted when terms are retired.
    event TermsRetired(uint256 indexed termsId);
    /// @notice Emitted when a license is bought.
    event LicensePurchased(
        uint256 indexed licenseId,
        uint256 indexed termsId,
        uint256 indexed assetId,
        address holder,
        address payer,
        uint256 price,
        uint64 expiresAt
    );
    /// @notice Emitted when a license is renewed.
    event LicenseRenewed(uint256 indexed licenseId, address indexed payer, uint256 price, uint64 expiresAt);
    /// @notice ERC-5643: emitted when a license's expiry changes.
    event SubscriptionUpdate(uint256 indexed tokenId, uint64 expiration);

    /// @notice No terms `termsId`.
    error LicensesUnknownTerms(uint256 termsId);
    /// @notice Terms `termsId` were retired.
    error LicensesTermsRetired(uint256 termsId);
    /// @notice `account` may not manage the terms of asset `assetId`.
    error LicensesUnauthorized(address account, uint256 assetId);
    /// @notice No asset `assetId`.
    error LicensesUnknownAsset(uint256 assetId);
    /// @notice The duration/quota do not fit the kind (PERIOD: duration; PERPETUAL: neither; API: both).
    error LicensesInvalidTerms(LicenseKind kind, uint64 duration, uint64 quota);
    /// @notice The revenue pool does not accept `currency`.
    error LicensesUnsupportedCurrency(address currency);
    /// @notice The price `price` is above the buyer's `maxPrice`.
    error LicensesPriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice `sent` wei came with a payment that needed `expected`.
    error LicensesIncorrectPayment(uint256 expected, uint256 sent);
    /// @notice Perpetual licenses are never renewed.
    error LicensesNotRenewable(uint256 licenseId);

    /**
     * @param registry_ the asset registry
     * @param revenuePool_ the revenue pool that receives payments
     */
    constructor(address registry_, address revenuePool_) ERC721("Caravan License", "CLIC") {
        registry = IAssetRegistry(registry_);
        revenuePool = IRevenuePool(revenuePool_);
    }

    // ---------------------------------------------------------------- terms

    /**
     * @notice Offers terms for `assetId`. Only the asset's owner or an operator.
     * @param assetId the asset licensed
     * @param kind PERIOD, PERPETUAL or API
     * @param price price per purchase or renewal (0 for free licenses)
     * @param currency address(0) for ETH, else an ERC-20 the revenue pool accepts
     * @param duration seconds of access per purchase (PERIOD, API); 0 for PERPETUAL
     * @param quota API calls per period (API); 0 otherwise
     * @return termsId the new terms' id (ids start at 1)
     */
    function createTerms(
        uint256 assetId,
        LicenseKind kind,
        uint256 price,
        address currency,
        uint64 duration,
        uint64 quota
    ) external returns (uint256 termsId) {
        _checkManager(assetId);
        bool timed = kind != LicenseKind.PERPETUAL;
        if ((duration != 0) != timed || (quota != 0) != (kind == LicenseKind.API)) {
            revert LicensesInvalidTerms(kind, duration, quota);
        }
        if (!revenuePool.isCurrencyEnabled(currency)) revert LicensesUnsupportedCurrency(currency);

        // Cannot overflow: one id per call.
        unchecked {
            termsId = ++_termsCount;
        }
        _terms[termsId] = Terms({
            assetId: SafeCast.toUint64(assetId),
            duration: duration,
            quota: quota,
            kind: kind,
            active: true,
            currency: currency,
            price: price
        });
        emit TermsCreated(termsId, assetId, kind, currency, price, duration, quota);
    }

    /// @notice Changes the price of `termsId`; licenses already sold keep theirs. Only the asset's owner or an operator.
    function setTermsPrice(uint256 termsId, uint256 price) external {
        Terms storage terms = _activeTerms(termsId);
        _checkManager(terms.assetId);
        terms.price = price;
        emit TermsPriceUpdated(termsId, price);
    }

    /// @notice Stops selling and renewing under `termsId`; licenses already sold stay valid until they expire.
    function retireTerms(uint256 termsId) external {
        Terms storage terms = _activeTerms(termsId);
        _checkManager(terms.assetId);
        terms.active = false;
        emit TermsRetired(termsId);
    }

    // ---------------------------------------------------------------- purchase and renewal

    /**
     * @notice Buys a license under `termsId` for `to`, paying the current price (ETH as `msg.value`, or ERC-20
     * pulled from the caller, who must have approved this contract).
     * @param maxPrice the most the caller accepts to pay
     * @return licenseId the new license's id (ids start at 1)
     */
    function purchase(uint256 termsId, address to, uint256 maxPrice)
        external
        payable
        nonReentrant
        returns (uint256 licenseId)
    {
        Terms memory terms = _activeTerms(termsId);
        uint256 price = terms.price;
        if (price > maxPrice) revert LicensesPriceAboveMax(price, maxPrice);

        uint64 expiry = terms.kind == LicenseKind.PERPETUAL
            ? PERPETUAL_EXPIRY
            : SafeCast.toUint64(block.timestamp + terms.duration);
        // Cannot overflow: one id per call.
        unchecked {
            licenseId = ++_licenseCount;
        }
        _licenses[licenseId] = License({
            termsId: uint64(termsId), // termsId <= _termsCount, far below 2**64
            assetId: terms.assetId,
            expiresAt: expiry,
            duration: terms.duration,
            currency: terms.currency,
            quota: terms.quota,
            kind: terms.kind,
            pricePaid: price
        });
        _collect(terms.assetId, terms.currency, price);
        _safeMint(to, licenseId);
        emit LicensePurchased(licenseId, termsId, terms.assetId, to, msg.sender, price, expiry);
        emit SubscriptionUpdate(licenseId, expiry);
    }

    /**
     * @notice Extends `licenseId` by its snapshotted duration from `max(now, expiry)`, paying its terms' current
     * price. Anyone may pay for anyone's renewal.
     * @param maxPrice the most the caller accepts to pay
     * @return expiry the new expiry
     */
    function renew(uint256 licenseId, uint256 maxPrice) external payable nonReentrant returns (uint64 expiry) {
        _requireOwned(licenseId);
        License storage license = _licenses[licenseId];
        if (license.kind == LicenseKind.PERPETUAL) revert LicensesNotRenewable(licenseId);
        Terms memory terms = _activeTerms(license.termsId);
        uint256 price = terms.price;
        if (price > maxPrice) revert LicensesPriceAboveMax(price, maxPrice);

        uint256 from = license.expiresAt > block.timestamp ? license.expiresAt : block.timestamp;
        expiry = SafeCast.toUint64(from + license.duration);
        license.expiresAt = expiry;
        _collect(license.assetId, license.currency, price);
        emit LicenseRenewed(licenseId, msg.sender, price, expiry);
        emit SubscriptionUpdate(licenseId, expiry);
    }

    // ---------------------------------------------------------------- views

    /// @notice Whether `licenseId` exists and has not expired.
    function isValid(uint256 licenseId) public view returns (bool) {
        if (_ownerOf(licenseId) == address(0)) return false;
        return block.timestamp < _licenses[licenseId].expiresAt;
    }

    /// @notice ERC-5643: when `licenseId` expires ({PERPETUAL_EXPIRY} for perpetual licenses).
    function expiresAt(uint256 licenseId) external view returns (uint64) {
        _requireOwned(licenseId);
        return _licenses[licenseId].expiresAt;
    }

    /// @notice ERC-5643: whether `licenseId` can be renewed now.
    function isRenewable(uint256 licenseId) external view returns (bool) {
        _requireOwned(licenseId);
        License storage license = _licenses[licenseId];
        return license.kind != LicenseKind.PERPETUAL && _terms[license.termsId].active;
    }

    /// @notice The license `licenseId` with its snapshotted terms.
    function licenseInfo(uint256 licenseId) external view returns (License memory) {
        _requireOwned(licenseId);
        return _licenses[licenseId];
    }

    /// @notice The terms `termsId`.
    function termsOf(uint256 termsId) external view returns (Terms memory) {
        Terms memory terms = _terms[termsId];
        if (terms.assetId == 0) revert LicensesUnknownTerms(termsId);
        return terms;
    }

    /// @notice Number of terms created (also the highest terms id).
    function termsCount() external view returns (uint256) {
        return _termsCount;
    }

    /// @notice Number of licenses sold (also the highest license id).
    function licenseCount() external view returns (uint256) {
        return _licenseCount;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Moves `price` of `currency` from the caller into the revenue pool as revenue of `assetId`.
    function _collect(uint256 assetId, address currency, uint256 price) private {
        if (currency == address(0)) {
            if (msg.value != price) revert LicensesIncorrectPayment(price, msg.value);
            if (price != 0) revenuePool.deposit{value: price}(assetId, currency, price);
        } else {
            if (msg.value != 0) revert LicensesIncorrectPayment(0, msg.value);
            if (price != 0) {
                IERC20(currency).safeTransferFrom(msg.sender, address(revenuePool), price);
                revenuePool.depositReceived(assetId, currency, price);
            }
        }
    }

    function _activeTerms(uint256 termsId) private view returns (Terms storage terms) {
        terms = _terms[termsId];
        if (terms.assetId == 0) revert LicensesUnknownTerms(termsId);
        if (!terms.active) revert LicensesTermsRetired(termsId);
    }

    function _checkManager(uint256 assetId) private view {
        if (!registry.exists(assetId)) revert LicensesUnknownAsset(assetId);
        if (msg.sender != registry.ownerOfAsset(assetId) && !registry.isOperator(msg.sender)) {
            revert LicensesUnauthorized(msg.sender, assetId);
        }
    }
}
