// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IAssetRegistry} from "./interfaces/IAssetRegistry.sol";
import {IRevenuePool} from "./interfaces/IRevenuePool.sol";
import {IShareObserver} from "./interfaces/IShareObserver.sol";

/// @dev The part of {Receipts} the pool reads.
interface IReceiptShares {
    function sharesOf(uint256 assetId, address holder) external view returns (uint256);
    function totalShares(uint256 assetId) external view returns (uint256);
}

/**
 * @title RevenuePool
 * @notice Splits every payment made for an asset (license fees, API revenue) between:
 * 1. a platform fee (at most {MAX_FEE_BPS}, set by governance), accrued for the fee recipient (the treasury);
 * 2. royalties to the asset's parents (datasets a model was trained on, the model an assistant was fine-tuned from):
 *    {royaltyBps} of what an asset receives goes in equal parts to its direct parents, which pass on the same
 *    fraction to theirs, breadth first, for at most {MAX_ROYALTY_DEPTH} generations and {MAX_ROYALTY_RECIPIENTS}
 *    credits per payment, so a payment's cost is bounded whatever the lineage;
 * 3. the rest to the asset's receipt holders, pro rata to their shares.
 *
 * Holders are paid through a reward-per-share accumulator: a deposit only bumps the asset's accumulator and a claim
 * only settles the claimer, so both cost O(1) whatever the number of holders. {Receipts} calls
 * {onSharesChanging} before a holder's shares change so that past revenue is settled at the old shares.
 *
 * Accounting is exact: amounts are scaled by {PRECISION}; the remainder of the division by total shares is kept in
 * the pool's `carryScaled` and added to the next deposit, and each holder's sub-unit remainder stays in their
 * accrued balance for their next claim. So for every pool, at all times,
 * `totalReceived * PRECISION == totalClaimed * PRECISION + sum(accruedScaled(holders)) + carryScaled`: no dust is lost.
 * Revenue that arrives while an asset has no shares is carried whole to its first holders' next deposit.
 *
 * Payments out are pull only ({claim}, {withdrawFees}), guarded against reentrancy, for ETH (token address(0))
 * and for ERC-20 currencies listed by governance (at most {MAX_CURRENCIES}, ever).
 */
contract RevenuePool is IRevenuePool, IShareObserver, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The currency id of ETH.
    address public constant ETH = address(0);
    /// @notice Scale of the reward-per-share accumulator.
    uint256 public constant PRECISION = 1e18;
    /// @notice Basis points in 100%.
    uint256 public constant BPS = 10_000;
    /// @notice Highest platform fee: 10%.
    uint256 public constant MAX_FEE_BPS = 1_000;
    /// @notice Highest royalty share passed to parents: 50%.
    uint256 public constant MAX_ROYALTY_BPS = 5_000;
    /// @notice Generations of ancestors a payment reaches.
    uint256 public constant MAX_ROYALTY_DEPTH = 3;
    /// @notice Ancestor pools credited by one payment at most.
    uint256 public constant MAX_ROYALTY_RECIPIENTS = 24;
    /// @notice Currencies that can ever be listed (bounds the work done when shares change).
    uint256 public constant MAX_CURRENCIES = 8;

    /// @notice One asset's revenue in one currency.
    struct Pool {
        /// @dev Revenue per share since the pool started, scaled by PRECISION.
        uint256 accPerShare;
        /// @dev Scaled revenue not yet spread over shares (division remainder, or all of it while no shares exist).
        uint256 carryScaled;
        /// @dev Everything credited to the pool's holders.
        uint128 totalReceived;
        /// @dev Everything its holders claimed.
        uint128 totalClaimed;
    }

    struct Account {
        uint256 lastAccPerShare;
        uint256 owedScaled;
    }

    struct Credit {
        uint256 assetId;
        uint256 amount;
        uint256 depth;
    }

    /// @notice The asset registry (lineage).
    IAssetRegistry public immutable registry;
    /// @notice The receipts (shares).
    IReceiptShares public immutable receipts;

    uint16 private _feeBps;
    uint16 private _royaltyBps;
    address private _feeRecipient;
    address[] private _currencies;
    mapping(address token => uint256) private _currencyIndexPlusOne;
    mapping(address token => bool) private _enabled;
    mapping(address token => uint256) private _accounted;
    mapping(address token => uint256) private _feesAccrued;
    mapping(uint256 assetId => mapping(address token => Pool)) private _pools;
    /// @dev Bit i set: the asset has received revenue in `_currencies[i]`.
    mapping(uint256 assetId => uint256) private _assetCurrencyMask;
    mapping(uint256 assetId => mapping(address token => mapping(address holder => Account))) private _accounts;

    /// @notice Emitted for every payment into the pool.
    event Deposited(uint256 indexed assetId, address indexed token, address indexed payer, uint256 amount, uint256 fee);
    /// @notice Emitted when an asset passes royalties to a parent.
    event RoyaltyRouted(uint256 indexed fromAssetId, uint256 indexed toAssetId, address indexed token, uint256 amount);
    /// @notice Emitted when an asset's holders are credited.
    event RevenueCredited(uint256 indexed assetId, address indexed token, uint256 amount, uint256 accPerShare);
    /// @notice Emitted when a holder claims.
    event Claimed(uint256 indexed assetId, address indexed token, address indexed holder, uint256 amount);
    /// @notice Emitted when accrued fees are paid to the fee recipient.
    event FeesWithdrawn(address indexed token, address indexed recipient, uint256 amount);
    /// @notice Emitted when the fee changes.
    event FeeUpdated(uint256 feeBps);
    /// @notice Emitted when the royalty share changes.
    event RoyaltyUpdated(uint256 royaltyBps);
    /// @notice Emitted when the fee recipient changes.
    event FeeRecipientUpdated(address indexed recipient);
    /// @notice Emitted when a currency is listed, enabled or disabled.
    event CurrencyUpdated(address indexed token, bool enabled);

    /// @notice Only the receipts contract may report share changes.
    error RevenuePoolUnauthorizedObserver(address account);
    /// @notice No asset `assetId`.
    error RevenuePoolUnknownAsset(uint256 assetId);
    /// @notice `token` is not accepted for deposits.
    error RevenuePoolCurrencyDisabled(address token);
    /// @notice The currency list is full.
    error RevenuePoolTooManyCurrencies(uint256 max);
    /// @notice A deposit must be positive.
    error RevenuePoolZeroAmount();
    /// @notice `sent` wei came with a deposit that needed `expected`.
    error RevenuePoolIncorrectValue(uint256 expected, uint256 sent);
    /// @notice Only `available` unaccounted tokens are held, fewer than `amount`.
    error RevenuePoolInsufficientReceived(uint256 amount, uint256 available);
    /// @notice The fee is above {MAX_FEE_BPS}.
    error RevenuePoolFeeTooHigh(uint256 feeBps, uint256 max);
    /// @notice The royalty share is above {MAX_ROYALTY_BPS}.
    error RevenuePoolRoyaltyTooHigh(uint256 royaltyBps, uint256 max);
    /// @notice The fee recipient cannot be the zero address.
    error RevenuePoolInvalidFeeRecipient(address recipient);
    /// @notice Amounts above 2**128 - 1 are not supported.
    error RevenuePoolAmountTooLarge(uint256 amount);

    /**
     * @param registry_ the asset registry
     * @param receipts_ the receipts (must name this pool as its share observer)
     * @param initialOwner governance (the timelock), which sets fees, royalties and currencies
     * @param feeRecipient_ receives platform fees (the treasury)
     * @param feeBps_ platform fee in basis points
     * @param royaltyBps_ share passed to parents in basis points
     */
    constructor(
        address registry_,
        address receipts_,
        address initialOwner,
        address feeRecipient_,
        uint256 feeBps_,
        uint256 royaltyBps_
    ) Ownable(initialOwner) {
        registry = IAssetRegistry(registry_);
        receipts = IReceiptShares(receipts_);
        _setFeeRecipient(feeRecipient_);
        _setFee(feeBps_);
        _setRoyalty(royaltyBps_);
        _setCurrency(ETH, true);
    }

    // ---------------------------------------------------------------- payments in

    /// @inheritdoc IRevenuePool
    function deposit(uint256 assetId, address token, uint256 amount) external payable nonReentrant {
        if (token == ETH) {
            if (msg.value != amount) revert RevenuePoolIncorrectValue(amount, msg.value);
        } else {
            if (msg.value != 0) revert RevenuePoolIncorrectValue(0, msg.value);
            if (_enabled[token]) {
                // Credit what arrived (a fee-on-transfer token delivers less than `amount`).
                uint256 balanceBefore = IERC20(token).balanceOf(address(this));
                IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
                amount = IERC20(token).balanceOf(address(this)) - balanceBefore;
            }
        }
        _deposit(assetId, token, amount);
    }

    /// @inheritdoc IRevenuePool
    function depositReceived(uint256 assetId, address token, uint256 amount) external nonReentrant {
        if (token == ETH) revert RevenuePoolCurrencyDisabled(token);
        if (_enabled[token]) {
            uint256 available = IERC20(token).balanceOf(address(this)) - _accounted[token];
            if (amount > available) revert RevenuePoolInsufficientReceived(amount, available);
        }
        _deposit(assetId, token, amount);
    }

    // ---------------------------------------------------------------- payments out

    /**
     * @notice Pays the caller everything they earned from `assetId` in `token`.
     * @return amount what was paid (0 when nothing was due)
     */
    function claim(uint256 assetId, address token) external nonReentrant returns (uint256 amount) {
        amount = _claim(assetId, token, msg.sender);
        _pay(token, msg.sender, amount);
    }

    /**
     * @notice Pays the caller everything they earned in `token` from each of `assetIds`.
     * @return total what was paid
     */
    function claimMany(uint256[] calldata assetIds, address token) external nonReentrant returns (uint256 total) {
        for (uint256 i = 0; i < assetIds.length; ++i) {
            total += _claim(assetIds[i], token, msg.sender);
        }
        _pay(token, msg.sender, total);
    }

    /**
     * @notice Pays the accrued platform fees in `token` to the fee recipient. Anyone may call.
     * @return amount what was paid
     */
    function withdrawFees(address token) external nonReentrant returns (uint256 amount) {
        amount = _feesAccrued[token];
        if (amount == 0) return 0;
        _feesAccrued[token] = 0;
        _accounted[token] -= amount;
        address recipient = _feeRecipient;
        emit FeesWithdrawn(token, recipient, amount);
        _pay(token, recipient, amount);
    }

    // ---------------------------------------------------------------- share changes

    /**
     * @notice Settles `holder`'s earnings in every currency of `assetId` at their current shares.
     * @dev Called by {Receipts} right before the holder's shares change. Bounded by {MAX_CURRENCIES}.
     */
    function onSharesChanging(uint256 assetId, address holder) external {
        if (msg.sender != address(receipts)) revert RevenuePoolUnauthorizedObserver(msg.sender);
        uint256 mask = _assetCurrencyMask[assetId];
        if (mask == 0) return;
        uint256 shares = receipts.sharesOf(assetId, holder);
        for (uint256 i = 0; mask != 0; ++i) {
            if (mask & 1 != 0) {
                address token = _currencies[i];
                _settle(_pools[assetId][token].accPerShare, _accounts[assetId][token][holder], shares);
            }
            mask >>= 1;
        }
    }

    // ---------------------------------------------------------------- governance

    /// @notice Sets the platform fee (basis points, at most {MAX_FEE_BPS}). Only governance.
    function setFee(uint256 feeBps_) external onlyOwner {
        _setFee(feeBps_);
    }

    /// @notice Sets the share passed to parents (basis points, at most {MAX_ROYALTY_BPS}). Only governance.
    function setRoyalty(uint256 royaltyBps_) external onlyOwner {
        _setRoyalty(royaltyBps_);
    }

    /// @notice Sets who receives platform fees. Only governance.
    function setFeeRecipient(address recipient) external onlyOwner {
        _setFeeRecipient(recipient);
    }

    /**
     * @notice Lists an ERC-20 currency or enables/disables one. Only governance.
     * @dev A disabled currency takes no new deposits; what was paid in it stays claimable.
     */
    function setCurrency(address token, bool enabled) external onlyOwner {
        _setCurrency(token, enabled);
    }

    // ---------------------------------------------------------------- views

    /// @notice What `holder` can claim from `assetId` in `token` now.
    function claimable(uint256 assetId, address token, address holder) external view returns (uint256) {
        return accruedScaled(assetId, token, holder) / PRECISION;
    }

    /// @notice What `holder` earned from `assetId` in `token` and has not claimed, scaled by {PRECISION}.
    function accruedScaled(uint256 assetId, address token, address holder) public view returns (uint256) {
        Account storage account = _accounts[assetId][token][holder];
        uint256 acc = _pools[assetId][token].accPerShare;
        return account.owedScaled + receipts.sharesOf(assetId, holder) * (acc - account.lastAccPerShare);
    }

    /// @notice The pool of `assetId` in `token`.
    function poolOf(uint256 assetId, address token) external view returns (Pool memory) {
        return _pools[assetId][token];
    }

    /// @notice The currencies `assetId` has received revenue in.
    function currenciesOf(uint256 assetId) external view returns (address[] memory tokens) {
        uint256 mask = _assetCurrencyMask[assetId];
        tokens = new address[](_popCount(mask));
        uint256 found = 0;
        for (uint256 i = 0; mask != 0; ++i) {
            if (mask & 1 != 0) tokens[found++] = _currencies[i];
            mask >>= 1;
        }
    }

    /// @notice Every currency ever listed (ETH first).
    function currencies() external view returns (address[] memory) {
        return _currencies;
    }

    /// @inheritdoc IRevenuePool
    function isCurrencyEnabled(address token) external view returns (bool) {
        return _enabled[token];
    }

    /// @notice Tokens the pool owes (unclaimed revenue and fees) in `token`.
    function accounted(address token) external view returns (uint256) {
        return _accounted[token];
    }

    /// @notice Platform fees accrued in `token` and not yet withdrawn.
    function feesAccrued(address token) external view returns (uint256) {
        return _feesAccrued[token];
    }

    /// @notice The platform fee in basis points.
    function feeBps() external view returns (uint256) {
        return _feeBps;
    }

    /// @notice The share passed to parents in basis points.
    function royaltyBps() external view returns (uint256) {
        return _royaltyBps;
    }

    /// @notice Who receives platform fees.
    function feeRecipient() external view returns (address) {
        return _feeRecipient;
    }

    // ---------------------------------------------------------------- internals

    function _deposit(uint256 assetId, address token, uint256 amount) private {
        if (!_enabled[token]) revert RevenuePoolCurrencyDisabled(token);
        if (amount == 0) revert RevenuePoolZeroAmount();
        if (amount > type(uint128).max) revert RevenuePoolAmountTooLarge(amount);
        if (!registry.exists(assetId)) revert RevenuePoolUnknownAsset(assetId);

        uint256 fee = (amount * _feeBps) / BPS;
        if (fee != 0) _feesAccrued[token] += fee;
        _accounted[token] += amount;
        _route(assetId, token, amount - fee);
        emit Deposited(assetId, token, msg.sender, amount, fee);
    }

    /// @dev Credits `amount` to `assetId` and its ancestors, breadth first, within the royalty bounds.
    function _route(uint256 assetId, address token, uint256 amount) private {
        uint256 royalty = _royaltyBps;
        if (royalty == 0) {
            _credit(assetId, token, amount);
            return;
        }
        Credit[] memory queue = new Credit[](MAX_ROYALTY_RECIPIENTS + 1);
        queue[0] = Credit(assetId, amount, 0);
        uint256 tail = 1;
        for (uint256 head = 0; head < tail; ++head) {
            Credit memory node = queue[head];
            uint256 keep = node.amount;
            if (node.depth < MAX_ROYALTY_DEPTH) {
                IAssetRegistry.Parent[] memory parents = registry.parentsOf(node.assetId);
                uint256 count = parents.length;
                // All parents are credited or none: a partial split would favour the first-listed parents.
                if (count != 0 && tail + count <= queue.length) {
                    uint256 each = (node.amount * royalty) / BPS / count;
                    if (each != 0) {
                        for (uint256 i = 0; i < count; ++i) {
                            queue[tail++] = Credit(parents[i].assetId, each, node.depth + 1);
                            emit RoyaltyRouted(node.assetId, parents[i].assetId, token, each);
                        }
                        // Cannot underflow: each * count <= amount * royalty / BPS <= amount.
                        unchecked {
                            keep -= each * count;
                        }
                    }
                }
            }
            _credit(node.assetId, token, keep);
        }
    }

    /// @dev Spreads `amount` over the holders of `assetId`, carrying the division remainder.
    function _credit(uint256 assetId, address token, uint256 amount) private {
        if (amount == 0) return;
        Pool storage pool = _pools[assetId][token];
        if (pool.totalReceived == 0) _assetCurrencyMask[assetId] |= 1 << (_currencyIndexPlusOne[token] - 1);
        pool.totalReceived = SafeCast.toUint128(uint256(pool.totalReceived) + amount);
        uint256 scaled = amount * PRECISION + pool.carryScaled;
        uint256 supply = receipts.totalShares(assetId);
        uint256 acc = pool.accPerShare;
        if (supply == 0) {
            pool.carryScaled = scaled;
        } else {
            acc += scaled / supply;
            pool.accPerShare = acc;
            pool.carryScaled = scaled % supply;
        }
        emit RevenueCredited(assetId, token, amount, acc);
    }

    function _claim(uint256 assetId, address token, address holder) private returns (uint256 amount) {
        Pool storage pool = _pools[assetId][token];
        Account storage account = _accounts[assetId][token][holder];
        uint256 acc = pool.accPerShare;
        uint256 owed = account.owedScaled + receipts.sharesOf(assetId, holder) * (acc - account.lastAccPerShare);
        account.lastAccPerShare = acc;
        amount = owed / PRECISION;
        account.owedScaled = owed - amount * PRECISION; // the sub-unit remainder stays with the holder
        if (amount == 0) return 0;
        pool.totalClaimed += uint128(amount); // fits: amount <= totalReceived - totalClaimed, both uint128
        _accounted[token] -= amount;
        emit Claimed(assetId, token, holder, amount);
    }

    function _settle(uint256 acc, Account storage account, uint256 shares) private {
        uint256 last = account.lastAccPerShare;
        if (last == acc) return;
        account.owedScaled += shares * (acc - last);
        account.lastAccPerShare = acc;
    }

    function _popCount(uint256 mask) private pure returns (uint256 count) {
        for (; mask != 0; mask >>= 1) {
            count += mask & 1;
        }
    }

    function _pay(address token, address to, uint256 amount) private {
        if (amount == 0) return;
        if (token == ETH) Address.sendValue(payable(to), amount);
        else IERC20(token).safeTransfer(to, amount);
    }

    function _setFee(uint256 feeBps_) private {
        if (feeBps_ > MAX_FEE_BPS) revert RevenuePoolFeeTooHigh(feeBps_, MAX_FEE_BPS);
        _feeBps = uint16(feeBps_); // <= MAX_FEE_BPS fits in uint16
        emit FeeUpdated(feeBps_);
    }

    function _setRoyalty(uint256 royaltyBps_) private {
        if (royaltyBps_ > MAX_ROYALTY_BPS) revert RevenuePoolRoyaltyTooHigh(royaltyBps_, MAX_ROYALTY_BPS);
        _royaltyBps = uint16(royaltyBps_); // <= MAX_ROYALTY_BPS fits in uint16
        emit RoyaltyUpdated(royaltyBps_);
    }

    function _setFeeRecipient(address recipient) private {
        if (recipient == address(0)) revert RevenuePoolInvalidFeeRecipient(recipient);
        _feeRecipient = recipient;
        emit FeeRecipientUpdated(recipient);
    }

    function _setCurrency(address token, bool enabled) private {
        if (_currencyIndexPlusOne[token] == 0) {
            if (_currencies.length == MAX_CURRENCIES) revert RevenuePoolTooManyCurrencies(MAX_CURRENCIES);
            _currencies.push(token);
            _currencyIndexPlusOne[token] = _currencies.length;
        }
        _enabled[token] = enabled;
        emit CurrencyUpdated(token, enabled);
    }
}
